package io.zcnbrh.app;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No loss from the first frame: {@code zcnbrh rx} in a JVM of its own (cold: nothing compiled yet), started before a
 * paced 0.2 Mpps flow, receives all of it, and the kernel never finds its fill ring empty.
 */
@Tag("kernel")
class ColdStartTest {
    private static final double RATE = 200_000;
    private static final double SECONDS = 2;

    @Test
    void aFreshRxTakesAPacedFlowWholeFromItsFirstFrame() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            List<String> lines = new ArrayList<>();
            Process rx = JavaProcess.start(List.of("rx", "afxdp:" + veth.outer + "@0", "--seconds", "6", "--warmup",
                "0", "--json"));
            try {
                JavaProcess.pump(rx, lines);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (lines.stream().noneMatch(l -> l.contains("afxdp: " + veth.outer)) && System.nanoTime() < deadline
                    && rx.isAlive()) {
                    Thread.sleep(20);
                }
                assertTrue(rx.isAlive(), "rx started: " + lines);
                Thread.sleep(1000); // rx is up and idle when the flow starts
                byte[] dst = HexFormat.ofDelimiter(":").parseHex(VethPair.mac(veth.outer));
                byte[] src = HexFormat.ofDelimiter(":").parseHex(veth.innerMac());
                long sent = NetNamespace.call(veth.netns, () -> pacedFlow(veth, dst, src));
                assertTrue(rx.waitFor(30, TimeUnit.SECONDS), "rx ends");
                String json = lines.stream().filter(l -> l.startsWith("{\"backend\"")).findFirst().orElse("");
                Matcher m = Pattern.compile("\"packets\":(\\d+).*\"xdp_fill_ring_empty\":(\\d+)").matcher(json);
                assertTrue(m.find(), "rx --json: " + lines);
                long received = Long.parseLong(m.group(1));
                assertEquals((long) (RATE * SECONDS), sent, "the sender sent the flow");
                assertEquals(0, Long.parseLong(m.group(2)), "the kernel never found the fill ring empty: " + lines);
                assertTrue(received >= sent * 0.9999, received + " of " + sent + " received: " + json);
            } finally {
                rx.destroyForcibly();
            }
        }
    }

    /** 0.2 Mpps of 64-byte frames for 2 s from the inner end (AF_XDP transmit, paced), to the outer end's port 9000. */
    private static long pacedFlow(VethPair veth, byte[] dst, byte[] src) throws Exception {
        // the inner port's own program passes everything to the stack (its socket receives nothing here)
        try (Port port = Zcnbrh.open("afxdp:" + veth.inner + "@0", PortConfig.builder().filter("udp dst port 1")
            .build())) {
            byte[] headers = new byte[UdpFlow.PAYLOAD_OFFSET];
            UdpFrame.writeHeaders(MemorySegment.ofArray(headers), dst, src, InetAddress.getByName(veth.innerIp)
                .getAddress(), InetAddress.getByName(veth.outerIp).getAddress(), 12345, 9000, 18);
            Transmitter tx = new Transmitter(port, headers, 18);
            tx.run((long) (RATE * SECONDS), Long.MAX_VALUE, (long) (1e9 / RATE), p -> { });
            return tx.sent();
        }
    }
}
