package io.zcnbrh.app;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.pcap.PcapReader;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** capture end to end: frames sent on veth, written by the command, read back by Debian's tcpdump. */
@Tag("kernel")
class CaptureCommandTest {
    @TempDir
    Path dir;

    /**
     * The last case is a jumbo MTU: 8000-byte datagrams reach AF_XDP as multi-buffer packets (chains of 2048-byte
     * frames, the filter reading the headers in the first) and are written whole, 8042-byte frames.
     */
    @ParameterizedTest(name = "{0} -> {1}, MTU {2}, {3}-byte datagrams")
    @CsvSource({"afxdp:IFACE@0, t.pcap, 1500, 100", "afpacket:IFACE, t.pcapng, 1500, 100",
        "iouring:raw:IFACE, t.pcap, 1500, 100", "afxdp:IFACE@0, jumbo.pcap, 9000, 8000"})
    void tcpdumpReadsBackTheFramesThatWereSent(String pattern, String name, int mtu, int payload) throws Exception {
        Path file = dir.resolve(name);
        try (VethPair veth = new VethPair().withMtu(mtu).withUdpPath()) {
            String spec = pattern.replace("IFACE", veth.outer);
            CompletableFuture<CliRun> capture = CompletableFuture.supplyAsync(() -> CliRun.of("capture", spec, "-w",
                file.toString(), "--count", "200", "--seconds", "20", "--filter", "udp dst port 9000", "--quiet"));
            OpenPorts.await(veth.outer); // the port is open
            long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 200, payload, TimeUnit.SECONDS.toNanos(10));
            CliRun r = capture.get(30, TimeUnit.SECONDS);
            assertEquals(0, r.exitCode(), r.out() + r.err());
            assertEquals(200, sent);
            assertTrue(r.out().contains("capture: 200 frames written"), r.out());
        }
        // tcpdump reads the file and selects the same 200 frames; the payload sequence is 0..199 in order
        Path out = dir.resolve("out.pcap");
        Process p = new ProcessBuilder("tcpdump", "-r", file.toString(), "-w", out.toString(), "udp dst port 9000")
            .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "tcpdump: " + text);
        List<PcapReader.Frame> frames = PcapReader.read(out);
        assertEquals(200, frames.size(), text);
        long last = System.currentTimeMillis() * 1_000_000L;
        for (int i = 0; i < frames.size(); i++) {
            MemorySegment f = MemorySegment.ofArray(frames.get(i).data());
            assertEquals(UdpFlow.PAYLOAD_OFFSET + payload, frames.get(i).data().length, "the whole frame " + i);
            assertEquals(i, UdpFlow.sequence(f), "frame " + i);
            assertTrue(UdpFlow.payloadMatches(f, frames.get(i).data().length));
            long stamp = frames.get(i).epochNanos();
            assertTrue(Math.abs(stamp - last) < 120_000_000_000L, "wall-clock time stamps: " + stamp);
        }
    }
}
