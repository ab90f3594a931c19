package io.zcnbrh.backend;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.filter.FilterMatcher;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One suite for every backend that receives from an interface: the same traffic (UDP with sequence numbers from a
 * namespace, over a veth pair the test makes), the same checks. A backend added later joins by adding its spec
 * pattern to {@link #BACKENDS}; {@code shm:} has its own suite (its traffic comes from a peer process).
 */
@Tag("kernel")
class ConformanceTest {
    /** Spec patterns: IFACE is the near veth end, ADDR its address. */
    static final String[] BACKENDS = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "socket:udp:ADDR:9000",
        "iouring:raw:IFACE", "iouring:udp:ADDR:9000"};
    private static final int PORT = 9000;

    /** A pattern ending in {@value #LATENCY} opens the port in latency mode (AF_PACKET: TPACKET_V2 slots). */
    private static final String LATENCY = "+latency";

    private static String spec(String pattern, VethPair veth) {
        return pattern.replace(LATENCY, "").replace("IFACE", veth.outer).replace("ADDR", veth.outerIp);
    }

    private static PortConfig.Builder builder(String pattern) {
        return PortConfig.builder().latencyMode(pattern.endsWith(LATENCY));
    }

    private static VethPair veth() {
        VethPair veth = new VethPair().withUdpPath();
        // the near end gets the address: UDP-flow backends bind it, and frames not taken by XDP reach the stack
        veth.withOuterAddress();
        return veth;
    }

    private static Port open(String pattern, VethPair veth, PortConfig config) {
        String spec = spec(pattern, veth);
        Assumptions.assumeTrue(io.zcnbrh.Backends.schemes().contains(spec.substring(0, spec.indexOf(':'))),
            "backend of " + spec + " not in this build");
        return Zcnbrh.open(spec, config);
    }

    /** What a receive run saw: flow packets, out of order, corrupt, others. */
    private record Seen(long flow, long outOfOrder, long corrupt, long other) {
    }

    private static Seen receive(Port port, long expected, CompletableFuture<Long> sender, long quietNanos) {
        int offset = port.content() == Port.Content.DATAGRAMS ? 0 : UdpFlow.PAYLOAD_OFFSET;
        long flow = 0, outOfOrder = 0, corrupt = 0, other = 0, last = -1;
        long quietSince = System.nanoTime();
        while (flow < expected) {
            Packet p = port.poll();
            if (p == null) {
                if (sender.isDone() && System.nanoTime() - quietSince > quietNanos) {
                    break;
                }
                port.awaitPackets(1_000_000);
                continue;
            }
            quietSince = System.nanoTime();
            boolean isFlow = offset == 0 ? p.length() >= 8 : UdpFlow.isFlow(p.segment(), p.length(), PORT);
            if (isFlow) {
                long seq = UdpFlow.sequenceAt(p.segment(), offset);
                outOfOrder += seq <= last ? 1 : 0;
                last = seq;
                corrupt += UdpFlow.payloadMatchesAt(p.segment(), offset, p.length()) ? 0 : 1;
                flow++;
            } else {
                other++;
            }
            port.release(p);
        }
        return new Seen(flow, outOfOrder, corrupt, other);
    }

    private static long drops(Port port) {
        var c = port.counters();
        return c.get(Counter.XDP_RX_DROPPED) + c.get(Counter.XDP_RX_RING_FULL) + c.get(Counter.KERNEL_DROPS)
            + c.get(Counter.DROPS);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "socket:udp:ADDR:9000",
        "iouring:raw:IFACE", "iouring:udp:ADDR:9000", "afpacket:IFACE+latency", "afxdp:IFACE@0+latency",
        "iouring:udp:ADDR:9000+latency", "socket:udp:ADDR:9000+latency"})
    void everyDatagramArrivesInOrderWithEveryByteOrIsCounted(String pattern) throws Exception {
        try (VethPair veth = veth(); Port port = open(pattern, veth, builder(pattern).ringSize(1024).build())) {
            long count = 5000;
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, count, 100, TimeUnit.SECONDS.toNanos(30)));
            Seen s = receive(port, count, sender, TimeUnit.SECONDS.toNanos(2));
            assertEquals(count, sender.get(30, TimeUnit.SECONDS));
            assertEquals(0, s.outOfOrder(), "in order");
            assertEquals(0, s.corrupt(), "every byte");
            assertEquals(count, s.flow() + drops(port), "received " + s.flow() + " + dropped and counted "
                + drops(port) + ": " + port.counters());
            assertEquals(s.flow() + s.other(), port.counters().get(Counter.PACKETS_RX), "packets_rx counts them all");
            assertTrue(port.counters().get(Counter.BYTES_RX) >= s.flow() * 100);
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "socket:udp:ADDR:9000",
        "iouring:raw:IFACE", "iouring:udp:ADDR:9000", "afpacket:IFACE+latency"})
    void aStalledApplicationGetsBackpressureAndDeliveryResumes(String pattern) throws Exception {
        PortConfig small = builder(pattern).ringSize(64).creditBudget(16).build();
        try (VethPair veth = veth(); Port port = open(pattern, veth, small)) {
            CompletableFuture<Long> first = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 300, 64, TimeUnit.SECONDS.toNanos(10)));
            assertEquals(300, first.get(20, TimeUnit.SECONDS));
            Thread.sleep(100);
            // the application holds what its credit allows and releases nothing: the port lends no more
            List<Packet> held = new ArrayList<>();
            for (Packet p = port.poll(); p != null; p = port.poll()) {
                held.add(p);
            }
            assertTrue(held.size() <= 16, "the credit budget caps what is held: " + held.size());
            assertTrue(port.poll() == null && port.counters().get(Counter.CREDIT_STALLS) > 0, "stalls are counted");
            held.forEach(port::release);
            // after the release, delivery resumes
            receive(port, Long.MAX_VALUE, CompletableFuture.completedFuture(0L), TimeUnit.MILLISECONDS.toNanos(300));
            long before = drops(port); // before the flow starts: a drop counted earlier would be lost to the sum
            CompletableFuture<Long> more = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 100, 64, TimeUnit.SECONDS.toNanos(10)));
            Seen s = receive(port, 100, more, TimeUnit.SECONDS.toNanos(2));
            assertTrue(s.flow() > 0, "delivery resumed");
            assertEquals(100, s.flow() + drops(port) - before, port.counters().toString());
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "iouring:raw:IFACE", "afpacket:IFACE+latency"})
    void theSameFilterGivesTheSameVerdictsAsTheKernelEngine(String pattern) throws Exception {
        PacketFilter filter = PacketFilter.compile("udp dst port 9000");
        try (VethPair veth = veth(); Port port = open(pattern, veth, builder(pattern).filter(filter).build());
             FilterMatcher kernel = FilterMatcher.of(filter, FilterMatcher.Engine.KERNEL)) {
            CompletableFuture<Long> to9000 = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 200, 64, TimeUnit.SECONDS.toNanos(10))
                    + UdpFlow.send(veth.netns, veth.outerIp, 9001, 100, 64, TimeUnit.SECONDS.toNanos(10)));
            long seen = 0;
            long mismatched = 0;
            long quiet = System.nanoTime();
            while (!to9000.isDone() || System.nanoTime() - quiet < TimeUnit.MILLISECONDS.toNanos(500)) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                quiet = System.nanoTime();
                seen++;
                mismatched += kernel.matches(p.bytes().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)) ? 0 : 1;
                port.release(p);
            }
            assertEquals(0, mismatched, "every frame the port delivered matches in the kernel too");
            assertEquals(200, seen + drops(port), "the 200 matching datagrams arrived (or were counted)");
            assertTrue(port.counters().get(Counter.FILTER_PASS) >= 100,
                "the other flow was turned away (and counted): " + port.counters());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "iouring:raw:IFACE"})
    void badInputGetsClearErrors(String pattern) throws Exception {
        String scheme = pattern.substring(0, pattern.indexOf(':'));
        Assumptions.assumeTrue(io.zcnbrh.Backends.schemes().contains(scheme), scheme + " not in this build");
        Exception unknown = assertThrows(Exception.class, () -> Zcnbrh.open(pattern.replace("IFACE", "zcnbrh-none0")));
        assertTrue(unknown.getMessage().contains("zcnbrh-none0"), unknown.getMessage());
        // the interface disappears while receiving: a clear error, resources freed, no crash
        VethPair veth = veth();
        Port port = Zcnbrh.open(spec(pattern, veth), PortConfig.defaults());
        try {
            veth.close();
            Exception gone = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (gone == null && System.nanoTime() < deadline) {
                try {
                    Packet p = port.poll();
                    if (p != null) {
                        port.release(p);
                    }
                    port.awaitPackets(1_000_000);
                } catch (RuntimeException e) {
                    gone = e;
                }
            }
            // a socket on a deleted device is often silent, so every port asks (InterfaceWatch): it must notice
            assertNotNull(gone, "the port did not notice that its interface was deleted");
            assertTrue(gone.getMessage().contains("disappeared") || gone.getMessage().contains("went down")
                || gone.getMessage().contains("ENODEV") || gone.getMessage().contains("ENXIO")
                || gone.getMessage().contains("ENETDOWN"), gone.getMessage());
            assertTrue(port.audit().ok(), port.audit().toString());
        } finally {
            port.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "socket:udp:ADDR:9000->PEER:9100",
        "iouring:raw:IFACE", "iouring:udp:ADDR:9000->PEER:9100", "afpacket:IFACE+latency"})
    void transmittedPacketsReachThePeerInOrderAndTheirFramesComeBack(String pattern) throws Exception {
        try (VethPair veth = veth();
             Port port = open(pattern.replace("PEER", veth.innerIp), veth, builder(pattern).ringSize(256)
                 .txBatch(8).build())) {
            byte[] dstMac = java.util.HexFormat.ofDelimiter(":").parseHex(
                VethPair.ip("-n", veth.netns, "-br", "link", "show", veth.inner).trim().split("\\s+")[2]);
            byte[] srcMac = java.util.HexFormat.ofDelimiter(":").parseHex(VethPair.mac(veth.outer));
            byte[] srcIp = java.net.InetAddress.getByName(veth.outerIp).getAddress();
            byte[] dstIp = java.net.InetAddress.getByName(veth.innerIp).getAddress();
            int count = 500;
            java.util.concurrent.CountDownLatch bound = new java.util.concurrent.CountDownLatch(1);
            CompletableFuture<long[]> receiver = CompletableFuture.supplyAsync(() -> io.zcnbrh.sys.NetNamespace.call(
                veth.netns, () -> {
                    try (java.nio.channels.DatagramChannel ch = java.nio.channels.DatagramChannel.open()) {
                        ch.bind(new java.net.InetSocketAddress(veth.innerIp, 9100));
                        bound.countDown();
                        ch.configureBlocking(false);
                        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(2048);
                        long dropsBefore = udpReceiveErrors();
                        long got = 0, outOfOrder = 0, corrupt = 0, last = -1;
                        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (got < count && System.nanoTime() < end) {
                            buf.clear();
                            if (ch.receive(buf) == null) {
                                Thread.onSpinWait();
                                continue;
                            }
                            java.lang.foreign.MemorySegment m = java.lang.foreign.MemorySegment.ofBuffer(buf.flip());
                            long seq = UdpFlow.sequenceAt(m, 0);
                            outOfOrder += seq <= last ? 1 : 0;
                            last = seq;
                            corrupt += UdpFlow.payloadMatchesAt(m, 0, buf.limit()) ? 0 : 1;
                            got++;
                            if (got + udpReceiveErrors() - dropsBefore >= count) {
                                break;
                            }
                        }
                        return new long[] {got, outOfOrder, corrupt, udpReceiveErrors() - dropsBefore};
                    }
                }));
            assertTrue(bound.await(30, TimeUnit.SECONDS), "the receiver bound its socket"); // before we send
            int offset = port.content() == Port.Content.DATAGRAMS ? 0 : UdpFlow.PAYLOAD_OFFSET;
            int sent = 0;
            long sendDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sent < count) {
                Packet p = port.claim();
                if (p == null) {
                    assertTrue(System.nanoTime() < sendDeadline, "no frame came back to transmit from after " + sent
                        + ": " + port.audit() + " " + port.counters());
                    port.flush();
                    Thread.sleep(1);
                    continue;
                }
                UdpFlow.write(p.segment().asSlice(offset), sent, 100);
                int length = offset == 0 ? 100
                    : io.zcnbrh.traffic.UdpFrame.writeHeaders(p.segment(), dstMac, srcMac, srcIp, dstIp, 9100, 9100, 100);
                assertTrue(port.transmit(p, length));
                sent++;
                if (sent % 16 == 0) {
                    port.flush();
                    Thread.sleep(1); // a gentle pace: the peer's stack and socket share the two cores with us
                }
            }
            port.flush();
            long[] r = receiver.get(15, TimeUnit.SECONDS);
            assertEquals(0, r[1], "in order");
            assertEquals(0, r[2], "every byte");
            assertEquals(count, r[0] + r[3], "the peer received " + r[0] + " and its socket dropped (counted) " + r[3]
                + " of " + count + ": " + port.counters());
            assertTrue(r[0] > 0, "packets arrived: " + r[0]);
            // every frame comes back once the kernel is done with it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (port.audit().count(FramePlace.TX) > 0 && System.nanoTime() < deadline) {
                Packet p = port.claim(); // claiming reaps completions
                if (p != null) {
                    port.release(p);
                }
                port.flush();
                Thread.sleep(5);
            }
            assertEquals(0, port.audit().count(FramePlace.TX), "no frame left with the kernel: " + port.audit());
            assertEquals(count, port.counters().get(Counter.PACKETS_TX) + port.counters().get(Counter.DROPS),
                port.counters().toString());
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    /** UDP InErrors of the calling thread's network namespace (/proc/thread-self/net/snmp): full socket buffers. */
    private static long udpReceiveErrors() throws java.io.IOException {
        List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/net/snmp"));
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("Udp:") && lines.get(i + 1).startsWith("Udp:")) {
                List<String> names = List.of(lines.get(i).split("\\s+"));
                return Long.parseLong(lines.get(i + 1).split("\\s+")[names.indexOf("InErrors")]);
            }
        }
        throw new IllegalStateException("no Udp line in /proc/thread-self/net/snmp");
    }

    /**
     * Jumbo frames (MTU 9000, 3000-byte datagrams) arrive whole where a backend can carry them: AF_XDP as multi-buffer
     * chains of its 2048-byte frames (read whole with copyTo), AF_PACKET in its TPACKET_V3 blocks; in order, every
     * byte, or dropped and counted. The backends whose frames cannot hold them count them oversized (below).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE"})
    void jumboFramesArriveWholeWhereTheBackendCarriesThem(String pattern) throws Exception {
        try (VethPair veth = veth().withMtu(9000);
             Port port = open(pattern, veth, builder(pattern).ringSize(1024).build())) {
            long count = 300;
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, count, 3000, TimeUnit.SECONDS.toNanos(30)));
            java.lang.foreign.MemorySegment whole = java.lang.foreign.Arena.ofAuto().allocate(9100);
            long flow = 0, outOfOrder = 0, corrupt = 0, last = -1;
            long quietSince = System.nanoTime();
            while (flow < count && !(sender.isDone() && System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(2))) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                quietSince = System.nanoTime();
                int n = p.copyTo(whole, 0);
                assertEquals(p.packetLength(), n);
                if (UdpFlow.isFlow(whole, n, PORT)) {
                    assertEquals(UdpFlow.PAYLOAD_OFFSET + 3000, n, "the whole frame");
                    long seq = UdpFlow.sequence(whole);
                    outOfOrder += seq <= last ? 1 : 0;
                    last = seq;
                    corrupt += UdpFlow.payloadMatches(whole, n) ? 0 : 1;
                    flow++;
                }
                port.release(p);
            }
            assertEquals(count, sender.get(30, TimeUnit.SECONDS));
            assertEquals(0, outOfOrder, "in order");
            assertEquals(0, corrupt, "every byte");
            assertEquals(count, flow + drops(port), "received " + flow + " + dropped and counted: " + port.counters());
            assertTrue(flow > 0);
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    /** (afpacket is not here: TPACKET_V3 packs a frame of any length up to its 256 KiB block, so none is oversized.) */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"socket:raw:IFACE", "socket:udp:ADDR:9000", "iouring:raw:IFACE", "iouring:udp:ADDR:9000"})
    void oversizedFramesAreDroppedAndCounted(String pattern) throws Exception {
        // frames of 2048 bytes hold at most 2048 - headroom; 3000-byte datagrams on a 9000-byte MTU do not fit
        try (VethPair veth = veth()) {
            VethPair.ip("link", "set", "dev", veth.outer, "mtu", "9000");
            VethPair.ip("-n", veth.netns, "link", "set", "dev", veth.inner, "mtu", "9000");
            try (Port port = open(pattern, veth, PortConfig.defaults())) {
                UdpFlow.send(veth.netns, veth.outerIp, PORT, 20, 3000, TimeUnit.SECONDS.toNanos(5));
                UdpFlow.send(veth.netns, veth.outerIp, PORT, 20, 100, TimeUnit.SECONDS.toNanos(5));
                Seen s = receive(port, 20, CompletableFuture.completedFuture(40L), TimeUnit.SECONDS.toNanos(1));
                assertEquals(20, s.flow(), "the small ones arrive");
                assertEquals(20, port.counters().get(Counter.OVERSIZED), port.counters().toString());
                assertEquals(0, port.audit().count(FramePlace.APP));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "iouring:raw:IFACE", "afpacket:IFACE+latency"})
    void forwardedFramesLeaveAndEveryOneIsSentOrCounted(String pattern) throws Exception {
        try (VethPair veth = veth();
             io.zcnbrh.netlab.FrameCounter far = io.zcnbrh.netlab.FrameCounter.attach(veth.netns, veth.inner,
                 "udp dst port 9000");
             Port port = open(pattern, veth, builder(pattern).ringSize(256).txBatch(16)
                 .filter("udp dst port 9000").build())) {
            int count = 300;
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, count, 64, TimeUnit.SECONDS.toNanos(3)));
            long received = 0;
            long forwarded = 0;
            long refused = 0;
            long quiet = System.nanoTime();
            while (received < count && (!sender.isDone() || System.nanoTime() - quiet < TimeUnit.SECONDS.toNanos(2))) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                quiet = System.nanoTime();
                received++;
                if (port.forward(p)) { // back out of the same interface, to the namespace's end, without a copy
                    forwarded++;
                } else {
                    refused++;
                    assertEquals(0, p.refCount(), "a refused forward takes the frame back");
                }
            }
            port.flush();
            assertEquals(count, sender.get(30, TimeUnit.SECONDS));
            assertEquals(count, received + drops(port) - refused, "every datagram received or counted");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (far.frames() < forwarded && System.nanoTime() < deadline) {
                port.flush();
                port.awaitPackets(1_000_000); // reaps completions
            }
            assertEquals(forwarded, far.frames(), "every forward the port accepted reached the far end");
            assertEquals(forwarded, port.counters().get(Counter.FORWARDED));
            assertTrue(forwarded > 0, "forwarding happened");
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "socket:udp:ADDR:9000",
        "iouring:raw:IFACE", "iouring:udp:ADDR:9000", "afpacket:IFACE+latency"})
    void retainedPacketsCarryATimeAndCheckedModeRefusesUseAfterRelease(String pattern) throws Exception {
        try (VethPair veth = veth();
             Port port = open(pattern, veth, builder(pattern).ringSize(256)
                 .ownershipMode(io.zcnbrh.config.OwnershipMode.CHECKED).build())) {
            long before = System.nanoTime();
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 20, 64, TimeUnit.MILLISECONDS.toNanos(200)));
            Packet p = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int offset = port.content() == Port.Content.DATAGRAMS ? 0 : UdpFlow.PAYLOAD_OFFSET;
            while (System.nanoTime() < deadline) {
                p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                } else if (offset == 0 || UdpFlow.isFlow(p.segment(), p.length(), PORT)) {
                    break;
                } else {
                    port.release(p);
                    p = null;
                }
            }
            long after = System.nanoTime();
            assertNotNull(p, "a datagram arrived");
            assertTrue(p.timestampNanos() >= before && p.timestampNanos() <= after,
                "stamped when received, on System.nanoTime()'s clock: " + p.timestampNanos() + " not in [" + before
                    + ", " + after + "]");
            // a second holder: the first release does not give the frame back
            p.retain();
            assertEquals(2, p.refCount());
            port.release(p);
            assertEquals(1, p.refCount());
            assertEquals(UdpFlow.sequenceAt(p.segment(), offset), UdpFlow.sequenceAt(p.segment(), offset),
                "still readable while a holder is left");
            port.release(p);
            Packet released = p;
            assertThrows(io.zcnbrh.flow.IllegalFrameTransitionException.class, released::segment, "use after release");
            assertThrows(io.zcnbrh.flow.IllegalFrameTransitionException.class, () -> port.release(released),
                "double release");
            assertEquals(20, sender.get(30, TimeUnit.SECONDS));
            for (Packet q = port.poll(); q != null; q = port.poll()) {
                port.release(q);
            }
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }
}
