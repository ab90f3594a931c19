package io.zcnbrh.app;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** doctor and tx end to end. */
@Tag("kernel")
class ToolCommandsTest {
    @Test
    void everyCommandHasHelpAndExitCodesScriptsCanTrust() throws Exception {
        for (String c : new String[] {"demo", "rx", "tx", "fwd", "capture", "stat", "doctor", "filter", "topology",
            "bpf"}) {
            CliRun r = CliRun.of(c, "--help");
            assertEquals(0, r.exitCode(), c + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: zcnbrh " + c), c + ": " + r.out());
        }
        assertEquals(2, CliRun.of("capture").exitCode(), "a missing parameter is a usage error (2)");
        java.nio.file.Path pcap = java.nio.file.Files.createTempFile("zcnbrh-tool", ".pcap");
        try {
            assertEquals(1, CliRun.of("capture", "afxdp:zcnbrh-none0@0", "-w", pcap.toString(), "--count", "1")
                .exitCode(), "a failure is 1");
        } finally {
            java.nio.file.Files.deleteIfExists(pcap);
        }
    }

    @Test
    void doctorJsonHasEveryCheckAndTheEssentialsWorkHere() {
        CliRun r = CliRun.of("doctor", "--json");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        Pattern line = Pattern.compile("^\\{\"check\":\"([^\"]+)\",\"status\":\"(ok|warn|no)\",\"detail\":\".*\","
            + "\"advice\":\".*\"}$");
        java.util.Map<String, String> status = new java.util.HashMap<>();
        for (String l : r.out().strip().split("\n")) {
            Matcher m = line.matcher(l);
            assertTrue(m.matches(), l);
            status.put(m.group(1), m.group(2));
        }
        for (String check : new String[] {"capabilities", "memlock", "huge pages", "NUMA", "BPF program types",
            "AF_XDP sockets", "XDP and zero-copy (probed on a veth pair)", "io_uring", "perf cycle counters",
            "interface lo"}) {
            assertTrue(status.containsKey(check), check + " in " + status.keySet());
        }
        assertEquals("ok", status.get("AF_XDP sockets"));
        for (String probed : new String[] {"multi-buffer AF_XDP (XDP_USE_SG): yes", "RX metadata kfuncs: rx_timestamp",
            "TX metadata: checksum offload", "frags-aware XDP at MTU 9000: attaches", "busy poll: net.core.busy_poll",
            "MTU "}) {
            assertTrue(r.out().contains(probed), "the doctor probes and says: " + probed + "\n" + r.out());
        }
        assertEquals("ok", status.get("BPF program types"));
        assertTrue(r.out().contains("AF_XDP copy mode only (EOPNOTSUPP"), "zero-copy probed on veth: " + r.out());
    }

    @Test
    void statShowsTheCountersOfARunningPort() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            String spec = "afxdp:" + veth.outer + "@0";
            CompletableFuture<CliRun> rx = CompletableFuture.supplyAsync(() -> CliRun.of("rx", spec, "--seconds", "3",
                "--quiet", "--filter", "udp dst port 9000"));
            OpenPorts.await(veth.outer);
            UdpFlow.send(veth.netns, veth.outerIp, 9000, 500, 64, TimeUnit.SECONDS.toNanos(5));
            Thread.sleep(400);
            CliRun stat = CliRun.of("stat", "--json");
            assertEquals(0, stat.exitCode(), stat.err());
            String line = stat.out().lines().filter(l -> l.contains("\"port\":\"" + spec + "\"")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + spec + " in: " + stat.out()));
            Matcher m = Pattern.compile("\"packets_rx\":(\\d+)").matcher(line);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, line);
            assertTrue(line.contains("\"alive\":true"), line);
            assertEquals(0, rx.get(10, TimeUnit.SECONDS).exitCode());
            assertTrue(CliRun.of("stat", "--json").out().lines().noneMatch(l -> l.contains(spec)),
                "the file is gone when the command ends");
        }
    }

    @Test
    void fwdReflectsFramesWithoutACopyOnTheSamePort() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            String spec = "afxdp:" + veth.outer + "@0";
            // a raw socket inside the namespace sees what comes back
            io.zcnbrh.Port watcher = NetNamespace.call(veth.netns, () -> io.zcnbrh.Zcnbrh.open("socket:raw:" + veth.inner,
                io.zcnbrh.PortConfig.defaults()));
            try (watcher) {
                CompletableFuture<CliRun> fwd = CompletableFuture.supplyAsync(() -> CliRun.of("fwd", spec, spec,
                    "--swap-macs", "--count", "300", "--seconds", "10", "--filter", "udp dst port 9000", "--quiet",
                    "--metrics-port", "0"));
                OpenPorts.await(veth.outer);
                UdpFlow.send(veth.netns, veth.outerIp, 9000, 300, 64, TimeUnit.SECONDS.toNanos(5));
                CliRun r = fwd.get(15, TimeUnit.SECONDS);
                assertEquals(0, r.exitCode(), r.out() + r.err());
                assertTrue(r.err().contains("zero-copy"), r.err());
                assertTrue(r.err().contains("fwd: metrics on http://localhost:"), r.err());
                assertTrue(r.out().startsWith("fwd: 300 frames forwarded, 0 dropped"), r.out());
                long back = 0;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (back < 300 && System.nanoTime() < end) {
                    io.zcnbrh.Packet p = watcher.poll();
                    if (p == null) {
                        watcher.awaitPackets(1_000_000);
                        continue;
                    }
                    if (UdpFlow.isFlow(p.segment(), p.length(), 9000) && UdpFlow.payloadMatches(p.segment(), p.length())) {
                        back++;
                    }
                    watcher.release(p);
                }
                assertEquals(300, back, "every frame came back to the namespace, intact");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "iouring:raw:IFACE", "socket:udp:OUTER:9000->INNER:9100"})
    void txSendsEveryDatagramInOrderToThePeer(String pattern) throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            veth.withOuterAddress();
            String spec = pattern.replace("IFACE", veth.outer).replace("OUTER", veth.outerIp)
                .replace("INNER", veth.innerIp);
            String innerMac = veth.innerMac();
            CompletableFuture<long[]> receiver = CompletableFuture.supplyAsync(() -> NetNamespace.call(veth.netns, () -> {
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.bind(new InetSocketAddress(veth.innerIp, 9100));
                    ch.configureBlocking(false);
                    ByteBuffer buf = ByteBuffer.allocateDirect(2048);
                    long got = 0, bad = 0, last = -1;
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                    while (got < 300 && System.nanoTime() < end) {
                        buf.clear();
                        if (ch.receive(buf) == null) {
                            Thread.sleep(1);
                            continue;
                        }
                        MemorySegment m = MemorySegment.ofBuffer(buf.flip());
                        long seq = UdpFlow.sequenceAt(m, 0);
                        bad += seq <= last || !UdpFlow.payloadMatchesAt(m, 0, buf.limit()) ? 1 : 0;
                        last = seq;
                        got++;
                    }
                    return new long[] {got, bad};
                }
            }));
            Thread.sleep(300);
            // a paced rate: the peer's socket shares the two cores with the sender
            CliRun r = CliRun.of("tx", spec, "--to", veth.innerIp + ":9100", "--from", veth.outerIp + ":9000",
                "--dst-mac", innerMac, "--src-mac", VethPair.mac(veth.outer), "--count", "300", "--size", "80",
                "--rate", "20000", "--quiet", "--metrics-port", "0");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            assertTrue(r.out().startsWith("tx: 300 datagrams of 80 bytes"), r.out());
            assertTrue(r.err().contains("tx: metrics on http://localhost:"), "every long-running command serves "
                + "Prometheus: " + r.err());
            long[] got = receiver.get(15, TimeUnit.SECONDS);
            assertEquals(300, got[0], "all arrived: " + r.out());
            assertEquals(0, got[1], "in order, every byte");
        }
    }

    @Test
    void txWithSecondsAloneSendsUntilThenAndEveryFrameArrives() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             io.zcnbrh.netlab.FrameCounter far = io.zcnbrh.netlab.FrameCounter.attach(veth.netns, veth.inner,
                 "udp dst port 9100")) {
            CliRun r = CliRun.of("tx", "afxdp:" + veth.outer + "@0", "--to", veth.innerIp + ":9100",
                "--dst-mac", veth.innerMac(), "--seconds", "1", "--quiet");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^tx: (\\d+) datagrams").matcher(r.out());
            assertTrue(m.find(), r.out());
            long sent = Long.parseLong(m.group(1));
            assertTrue(sent > 1000, "--seconds alone is not stopped by a default count: " + r.out());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (far.frames() < sent && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(sent, far.frames(), "every frame tx counted arrived at the far end");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"iouring:udp:OUTER:9001->INNER:9100", "socket:udp:OUTER:9001->INNER:9100",
        "afxdp:IFACE@0", "afpacket:IFACE"})
    void everyDatagramTxCountsAsSentArrivesOrIsACountedDrop(String pattern) throws Exception {
        try (VethPair veth = new VethPair().withUdpPath().withOuterAddress();
             io.zcnbrh.netlab.FrameCounter far = io.zcnbrh.netlab.FrameCounter.attach(veth.netns, veth.inner,
                 "udp dst port 9100")) {
            VethPair.ip("neigh", "replace", veth.innerIp, "lladdr", veth.innerMac(), "dev", veth.outer, "nud",
                "permanent");
            String spec = pattern.replace("IFACE", veth.outer).replace("OUTER", veth.outerIp)
                .replace("INNER", veth.innerIp);
            CliRun r = CliRun.of("tx", spec, "--to", veth.innerIp + ":9100", "--from", veth.outerIp + ":9001",
                "--dst-mac", veth.innerMac(), "--src-mac", VethPair.mac(veth.outer), "--count", "5000", "--size", "18",
                "--quiet");
            assertEquals(0, r.exitCode(), r.out() + r.err());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^tx: 5000 datagrams.* drops=(\\d+)")
                .matcher(r.out());
            assertTrue(m.find(), r.out());
            long drops = Long.parseLong(m.group(1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (far.frames() + drops < 5000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(5000, far.frames() + drops, "every datagram arrived or was counted as dropped: " + r.out());
        }
    }
}
