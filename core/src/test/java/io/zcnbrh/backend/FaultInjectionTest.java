package io.zcnbrh.backend;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.backend.shm.ShmPair;
import io.zcnbrh.backend.shm.ShmPort;
import io.zcnbrh.backend.shm.ShmReceiverMain;
import io.zcnbrh.backend.shm.TwoProcessShmTest;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.mem.HugePagePool;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.testing.ProcessResources;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected into real ports (M16): a consumer process killed mid-stream, an interface set down or deleted
 * while receiving, a thousand open/close cycles, huge pages exhausted. Each must end in a clear error or a
 * recovery, with every descriptor and mapping given back (counted from /proc before and after).
 */
@Tag("kernel")
class FaultInjectionTest {
    private static final PortConfig SMALL = PortConfig.builder().ringSize(128).frameCount(256).build();
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static String spec(String pattern, VethPair veth) {
        return pattern.replace("IFACE", veth.outer).replace("ADDR", veth.outerIp)
            .replace("NAME", ShmPair.uniqueName());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"afxdp:IFACE@0, down", "afxdp:IFACE@0, delete", "afpacket:IFACE, down", "afpacket:IFACE, delete",
        "socket:raw:IFACE, down", "socket:raw:IFACE, delete", "iouring:raw:IFACE, down", "iouring:raw:IFACE, delete"})
    void anInterfaceSetDownOrDeletedWhileReceivingGivesAClearErrorAndFreesEverything(String pattern, String fault)
        throws Exception {
        cycle(pattern); // the first use of a backend loads classes and opens the JVM's own files
        ProcessResources before = ProcessResources.now();
        try (VethPair veth = new VethPair().withUdpPath()) {
            Port port = Zcnbrh.open(spec(pattern, veth), SMALL);
            RuntimeException gone = null;
            try {
                UdpFlow.send(veth.netns, veth.outerIp, 9000, 50, 64, SECOND / 5);
                int received = 0;
                long until = System.nanoTime() + 3 * SECOND;
                while (received == 0 && System.nanoTime() < until) {
                    Packet p = port.poll();
                    if (p != null) {
                        received++;
                        port.release(p);
                    } else {
                        port.awaitPackets(1_000_000);
                    }
                }
                assertTrue(received > 0, "receiving before the fault");
                if (fault.equals("down")) {
                    VethPair.ip("link", "set", veth.outer, "down");
                } else {
                    VethPair.ip("link", "del", veth.outer);
                }
                long deadline = System.nanoTime() + 5 * SECOND;
                while (gone == null && System.nanoTime() < deadline) {
                    try {
                        Packet p = port.poll();
                        if (p != null) {
                            port.release(p);
                        }
                        port.awaitPackets(100_000);
                    } catch (RuntimeException e) {
                        gone = e;
                    }
                }
                assertNotNull(gone, "the port must notice that " + veth.outer + " is " + fault);
                String m = gone.getMessage();
                assertTrue(m.contains(fault.equals("down") ? "went down" : "disappeared") || m.contains("ENETDOWN")
                    || m.contains("ENODEV") || m.contains("ENXIO"), m);
                AuditReport audit = port.audit();
                assertTrue(audit.ok(), audit.toString());
            } finally {
                port.close();
            }
        }
        assertEquals(List.of(), ProcessResources.now().leakedSince(before), "left after close");
    }

    /** One open, receive and close (a backend's and the traffic generator's first use open the JVM's own files). */
    private static void cycle(String pattern) throws Exception {
        try (VethPair veth = new VethPair().withUdpPath().withOuterAddress()) {
            try (Port port = Zcnbrh.open(spec(pattern, veth), SMALL)) {
                UdpFlow.send(veth.netns, veth.outerIp, 9000, 5, 64, SECOND / 50);
                port.poll();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"shm:NAME", "afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE",
        "socket:udp:ADDR:9000", "iouring:raw:IFACE", "iouring:udp:ADDR:9000"})
    void aThousandOpenCloseCyclesLeakNoDescriptorAndNoMapping(String pattern) throws Exception {
        try (VethPair veth = new VethPair().withUdpPath().withOuterAddress()) {
            PortConfig config = pattern.startsWith("shm") ? PortConfig.builder().ringSize(128).frameCount(256)
                .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build() : SMALL;
            Zcnbrh.open(spec(pattern, veth), config).close();
            ProcessResources before = ProcessResources.now();
            for (int i = 0; i < 1000; i++) {
                try (Port port = Zcnbrh.open(spec(pattern, veth), config)) {
                    port.poll();
                }
            }
            assertEquals(List.of(), ProcessResources.now().leakedSince(before), "left after 1000 cycles of " + pattern);
        }
    }

    @Test
    void aConsumerProcessKilledMidStreamGivesEveryFrameBackUncorrupted() throws Exception {
        String name = ShmPair.uniqueName();
        PortConfig config = PortConfig.builder().ringSize(256).frameCount(1024)
            .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build();
        try (ShmPort sender = ShmPort.open(name, config)) {
            Process consumer = TwoProcessShmTest.startJava(ShmReceiverMain.class, name, "1000000000");
            try {
                long attach = System.nanoTime() + 30 * SECOND;
                while (!sender.peerAttached() && System.nanoTime() < attach) {
                    Thread.sleep(5);
                }
                assertTrue(sender.peerAttached(), "the consumer attached");
                long sent = 0;
                long until = System.nanoTime() + 30 * SECOND;
                while (sent < 100_000 && System.nanoTime() < until) { // mid-stream: the consumer is busy receiving
                    Packet p = sender.claim();
                    if (p != null) {
                        p.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, sent);
                        if (sender.transmit(p, 64)) {
                            sent++;
                        }
                    }
                }
                assertTrue(sent == 100_000, "the consumer received: " + sent);
                // freeze it, so frames pile up with it (in its ring and in its hands), then kill it
                new ProcessBuilder("kill", "-STOP", String.valueOf(consumer.pid())).inheritIO().start().waitFor();
                Thread.sleep(50); // let it stop
                long full = System.nanoTime() + 5 * SECOND;
                while (sender.ownFrames() - sender.freeFrames() < 256 && System.nanoTime() < full) {
                    Packet p = sender.claim();
                    if (p != null) {
                        sender.transmit(p, 64); // false: dropped for lack of ring space, the frame is back
                    }
                }
                assertTrue(sender.ownFrames() - sender.freeFrames() >= 256, "a ring full of frames (256) is out with "
                    + "the frozen consumer: " + (sender.ownFrames() - sender.freeFrames()));
                consumer.destroyForcibly(); // SIGKILL
                assertTrue(consumer.waitFor(10, TimeUnit.SECONDS));
            } finally {
                consumer.destroyForcibly();
            }
            long deadline = System.nanoTime() + 5 * SECOND;
            Packet p = null;
            boolean refused = false;
            while (sender.freeFrames() < sender.ownFrames() && System.nanoTime() < deadline) {
                p = sender.claim(); // the producer goes on: the ring is full, so it looks at its peer, finds it gone
                if (p != null) {   // and takes every frame back
                    refused |= !sender.transmit(p, 64);
                }
            }
            assertTrue(refused, "what could not be sent was refused, not queued to a dead peer");
            assertTrue(sender.peerGone());
            assertEquals(sender.ownFrames(), sender.freeFrames(), "every frame came back");
            assertTrue(sender.counters().get(Counter.FRAMES_RECLAIMED) > 0);
            AuditReport audit = sender.audit();
            assertTrue(audit.ok(), audit.toString());
            // nothing corrupted: every frame can be claimed, written and read back whole
            List<Packet> all = new ArrayList<>();
            for (Packet q = sender.claim(); q != null; q = sender.claim()) {
                q.segment().fill((byte) all.size());
                all.add(q);
            }
            assertEquals(sender.ownFrames(), all.size());
            for (int i = 0; i < all.size(); i++) {
                assertEquals((byte) i, all.get(i).segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE,
                    all.get(i).segment().byteSize() - 1));
                sender.release(all.get(i));
            }
            assertTrue(sender.audit().ok());
        }
    }

    @Test
    void hugePagesExhaustedGiveAClearErrorAndLeakNothing() throws Exception {
        long free = HugePagePool.freePages();
        Assumptions.assumeTrue(free >= 0, "no HugePages_Free in /proc/meminfo: kernel without CONFIG_HUGETLBFS");
        int frames = (int) Math.min(65536, (free + 1) * PageSize.HUGE_2M.bytes() / 2048 + 1024);
        PortConfig huge = PortConfig.builder().pageSize(PageSize.HUGE_2M).frameCount(frames)
            .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build();
        Assumptions.assumeTrue((long) frames * 2048 > free * PageSize.HUGE_2M.bytes(),
            "more huge pages are free (" + free + ") than a port may ask for");
        ProcessResources before = ProcessResources.now();
        try (VethPair veth = new VethPair().withUdpPath()) {
            SyscallException e = assertThrows(SyscallException.class, () -> Zcnbrh.open("afxdp:" + veth.outer, huge));
            assertTrue(e.getMessage().contains("ENOMEM") && e.getMessage().contains("/proc/sys/vm/nr_hugepages"),
                e.getMessage());
        }
        assertEquals(List.of(), ProcessResources.now().leakedSince(before));
    }
}
