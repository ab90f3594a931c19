package io.zcnbrh.backend.afxdp;

import io.zcnbrh.AfXdpOptions;
import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.XdpProgram;
import io.zcnbrh.XskBindMode;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AF_XDP on a veth pair made by the test; traffic from the kernel's UDP stack inside the peer namespace. */
@Tag("kernel")
class AfXdpPortTest {
    private static final int PORT = 9000;

    private static PortConfig config(XdpMode mode, int frameSize) {
        return PortConfig.builder().ringSize(1024).frameSize(frameSize).afXdp(AfXdpOptions.defaults().withXdpMode(mode))
            .ownershipMode(OwnershipMode.FAST).build();
    }

    /** Receives the flow until {@code expected} arrived or 3 s pass without packets; checks order and every byte. */
    private static long[] receiveFlow(AfXdpPort port, long expected, CompletableFuture<Long> sender) {
        long received = 0;
        long last = -1;
        long outOfOrder = 0;
        long corrupt = 0;
        long idleSince = System.nanoTime();
        while (received < expected) {
            Packet p = port.poll();
            if (p == null) {
                if (sender.isDone() && System.nanoTime() - idleSince > TimeUnit.SECONDS.toNanos(3)) {
                    break;
                }
                port.awaitPackets(1_000_000);
                continue;
            }
            idleSince = System.nanoTime();
            MemorySegment f = p.segment();
            if (UdpFlow.isFlow(f, p.length(), PORT)) {
                long seq = UdpFlow.sequence(f);
                if (seq <= last) {
                    outOfOrder++;
                }
                last = seq;
                if (!UdpFlow.payloadMatches(f, p.length())) {
                    corrupt++;
                }
                received++;
            }
            port.release(p);
        }
        return new long[] {received, outOfOrder, corrupt};
    }

    @ParameterizedTest(name = "{0} XDP, {1}-byte frames")
    @CsvSource({"DRIVER, 2048", "DRIVER, 4096", "SKB, 2048", "SKB, 4096"})
    void udpFromTheNamespaceArrivesInOrderWithEveryByte(XdpMode mode, int frameSize) throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer + "@0", config(mode, frameSize))) {
            assertFalse(port.zeroCopy(), "veth has no zero-copy");
            assertTrue(port.modeLine().contains("copy mode"), port.modeLine());
            long count = 20_000;
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, count, 200, TimeUnit.SECONDS.toNanos(30)));
            long[] r = receiveFlow(port, count, sender);
            assertEquals(count, sender.get(60, TimeUnit.SECONDS));
            var c = port.counters();
            long kernelDrops = c.get(Counter.XDP_RX_DROPPED) + c.get(Counter.XDP_RX_RING_FULL);
            assertEquals(0, r[1], "out of order");
            assertEquals(0, r[2], "corrupt payloads");
            assertEquals(count, r[0] + kernelDrops, "received " + r[0] + " + dropped and counted " + kernelDrops);
            assertTrue(port.audit().ok(), port.audit().toString());
            assertEquals(1024, port.audit().count(FramePlace.FILL), "every receive frame is back on the fill ring");
        }
    }

    @Test
    void theApplicationReadsTheUmemItselfNoCopy() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, config(XdpMode.DRIVER, 2048))) {
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 50, 64, TimeUnit.SECONDS.toNanos(10)));
            Packet p = null;
            for (int i = 0; i < 3000 && p == null; i++) {
                p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                }
            }
            assertNotNull(p, "a frame arrived");
            MemorySegment umem = port.frames().memory();
            // the descriptor's address, inside the UMEM, is where the application's segment starts
            assertEquals(umem.address() + p.address(), p.nativeAddress());
            assertTrue(p.address() >= 0 && p.address() + p.length() <= umem.byteSize());
            umem.set(JAVA_BYTE, p.address() + 5, (byte) 0x77);
            assertEquals((byte) 0x77, p.segment().get(JAVA_BYTE, 5), "same bytes, not a copy");
            port.release(p);
            sender.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void transmittedFramesReachThePeerAndTheirFramesComeBack() {
        try (VethPair veth = new VethPair();
             BpfMap seen = BpfMap.create(MapType.ARRAY, 4, 8, 1, "seen");
             BpfProgram counter = BpfProgram.load(ProgramType.XDP, io.zcnbrh.bpf.TestPrograms.countEtherType(seen, 0x88B5), "count");
             XdpAttachment peer = NetNamespace.call(veth.netns,
                 () -> XdpAttachment.attach(counter, veth.inner, XdpMode.DRIVER));
             AfXdpPort port = AfXdpPort.open(veth.outer + "@0", PortConfig.builder().ringSize(256)
                 .txBatch(16).build())) {
            int sent = 0;
            for (int i = 0; i < 5000; i++) {
                Packet p = port.claim();
                if (p == null) {
                    port.flush();
                    i--;
                    continue;
                }
                io.zcnbrh.traffic.SequencedFrames.write(p.segment(), i, 64);
                if (port.transmit(p, 64)) {
                    sent++;
                }
            }
            port.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.lookupLong(0) < sent && System.nanoTime() < deadline) {
                port.flush();
                port.audit(); // drains completions
            }
            assertEquals(sent, seen.lookupLong(0), "the peer saw every frame");
            assertEquals(5000, port.counters().get(Counter.PACKETS_TX));
            while (port.audit().count(FramePlace.TX) > 0 && System.nanoTime() < deadline) {
                port.flush();
            }
            assertEquals(0, port.audit().count(FramePlace.TX), "every sent frame completed");
            assertEquals(0, port.counters().get(Counter.XDP_TX_INVALID));
            assertTrue(port.audit().ok());
        }
    }

    @Test
    void receivedFramesAreForwardedBackWithoutACopy() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             BpfMap seen = BpfMap.create(MapType.ARRAY, 4, 8, 1, "seen");
             BpfProgram counter = BpfProgram.load(ProgramType.XDP, io.zcnbrh.bpf.TestPrograms.countEtherType(seen, 0x0800), "count");
             XdpAttachment peer = NetNamespace.call(veth.netns,
                 () -> XdpAttachment.attach(counter, veth.inner, XdpMode.DRIVER));
             AfXdpPort port = AfXdpPort.open(veth.outer, config(XdpMode.DRIVER, 2048))) {
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 200, 64, TimeUnit.SECONDS.toNanos(10)));
            long forwarded = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (forwarded < 200 && System.nanoTime() < deadline) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                if (UdpFlow.isFlow(p.segment(), p.length(), PORT)) {
                    assertTrue(port.forward(p));
                    forwarded++;
                } else {
                    port.release(p);
                }
            }
            port.flush();
            assertEquals(200, sender.get(30, TimeUnit.SECONDS));
            while (seen.lookupLong(0) < forwarded && System.nanoTime() < deadline) {
                port.flush();
                port.audit();
            }
            assertEquals(forwarded, seen.lookupLong(0), "each received frame went back out");
            assertEquals(forwarded, port.counters().get(Counter.FORWARDED));
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void invalidTxDescriptorsAreCountedByTheKernel() {
        try (VethPair veth = new VethPair(); AfXdpPort port = AfXdpPort.open(veth.outer, config(XdpMode.DRIVER, 2048))) {
            var tx = port.socket().tx();
            long umemBytes = port.frames().memory().byteSize();
            long[][] bad = {{umemBytes, 64}, {umemBytes - 32, 64}, {2048 - 10, 64}, {0, 4096}};
            for (long[] d : bad) {
                assertEquals(1, tx.reserve(1));
                tx.setDescriptor(tx.reservedIndex(), d[0], (int) d[1], 0);
                tx.submit(1);
            }
            MemorySegment callState = io.zcnbrh.sys.Libc.newCallState(java.lang.foreign.Arena.ofAuto());
            for (int i = 0; i < 20 && port.counters().get(Counter.XDP_TX_INVALID) < bad.length; i++) {
                io.zcnbrh.sys.Libc.kick(port.socket().fd(), 0x40, callState); // each kick may stop at a bad one
            }
            assertEquals(bad.length, port.counters().get(Counter.XDP_TX_INVALID),
                "past the UMEM end, straddling it, across a frame boundary, longer than a frame");
            assertEquals(0, tx.occupancy(), "the kernel consumed all four");
        }
    }

    @Test
    void aStalledApplicationMeansKernelDropsThenDeliveryResumes() throws Exception {
        PortConfig small = PortConfig.builder().ringSize(64).afXdp(AfXdpOptions.defaults().withXdpMode(XdpMode.DRIVER)).build();
        try (VethPair veth = new VethPair().withUdpPath(); AfXdpPort port = AfXdpPort.open(veth.outer, small)) {
            // the application does not poll: 64 frames fill the RX ring, the rest are dropped and counted
            assertEquals(500, UdpFlow.send(veth.netns, veth.outerIp, PORT, 500, 64, TimeUnit.SECONDS.toNanos(10)));
            long drops = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (drops < 500 - 64 && System.nanoTime() < end) {
                drops = port.counters().get(Counter.XDP_RX_DROPPED) + port.counters().get(Counter.XDP_RX_RING_FULL);
                Thread.onSpinWait(); // until the kernel has counted all that did not fit
            }
            assertTrue(drops > 0, "kernel counted the overflow: " + port.counters());
            // the application comes back: it takes the 64 frames that waited, which returns their credits ...
            int waited = 0;
            for (Packet p = port.poll(); p != null; p = port.poll()) {
                assertTrue(UdpFlow.payloadMatches(p.segment(), p.length()) || !UdpFlow.isFlow(p.segment(), p.length(), PORT));
                waited++;
                port.release(p);
            }
            assertTrue(waited >= 60 && waited <= 64, "the ring held what fitted: " + waited);
            // ... and new traffic flows again: a burst of 100 into a 64-entry ring, so every datagram is either
            // delivered (in order, intact) or dropped and counted by the kernel, and delivery did resume
            long dropsBefore = port.counters().get(Counter.XDP_RX_DROPPED) + port.counters().get(Counter.XDP_RX_RING_FULL);
            CompletableFuture<Long> more = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 100, 64, TimeUnit.SECONDS.toNanos(10)));
            long[] r = receiveFlow(port, 100, more);
            long newDrops = port.counters().get(Counter.XDP_RX_DROPPED) + port.counters().get(Counter.XDP_RX_RING_FULL)
                - dropsBefore;
            assertTrue(r[0] > 0, "delivery resumed");
            assertEquals(100, r[0] + newDrops, "delivered " + r[0] + ", dropped and counted " + newDrops);
            assertEquals(0, r[1], "in order");
            assertEquals(0, r[2]);
            assertTrue(port.audit().ok());
        }
    }

    @Test
    void aFullRxRingIsCountedAsRxRingFullWhileTheFillRingStillHasFrames() throws Exception {
        // 256 frames on the fill ring, an RX ring of 64 (xskxceiver's STAT_RX_FULL): a stalled application
        // overflows the RX ring while the kernel still has frames to fill, so the drops are rx_ring_full, not
        // rx_dropped (which counts an empty fill ring, see the test above)
        PortConfig cfg = PortConfig.builder().ringSize(256).afXdp(AfXdpOptions.defaults().withRxRingSize(64)).build();
        try (VethPair veth = new VethPair().withUdpPath(); AfXdpPort port = AfXdpPort.open(veth.outer, cfg)) {
            assertEquals(300, UdpFlow.send(veth.netns, veth.outerIp, PORT, 300, 64, TimeUnit.SECONDS.toNanos(10)));
            long ringFull = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ringFull < 300 - 64 && System.nanoTime() < end) {
                ringFull = port.counters().get(Counter.XDP_RX_RING_FULL); // until the kernel has counted the overflow
                Thread.onSpinWait();
            }
            assertEquals(0, port.counters().get(Counter.XDP_RX_DROPPED), port.counters().toString());
            int waited = 0;
            for (Packet p = port.poll(); p != null; p = port.poll()) {
                waited++;
                port.release(p);
            }
            assertEquals(64, waited, "the RX ring held exactly its 64 entries");
            // every frame that reached the socket (the 300 datagrams and any neighbour discovery) is accounted for
            assertTrue(ringFull >= 300 - 64, "rx_ring_full " + ringFull);
            CompletableFuture<Long> more = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 50, 64, TimeUnit.SECONDS.toNanos(10)));
            long[] r = receiveFlow(port, 50, more);
            assertEquals(50, r[0], "delivery resumed");
            assertEquals(0, r[1] + r[2]);
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void theSocketInTheXskMapIsReplacedWhileTheProgramStays() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpQueues group = AfXdpQueues.open(veth.outer, PortConfig.builder().ringSize(512).build())) {
            int[] attached = XdpAttachment.state(veth.outer);
            AfXdpPort first = group.ports().get(0);
            CompletableFuture<Long> one = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 300, 64, TimeUnit.SECONDS.toNanos(10)));
            long[] r1 = receiveFlow(first, 300, one);
            int firstFd = first.socket().fd();
            AfXdpPort second = group.reopen(0);
            assertThrows(IllegalStateException.class, first::poll, "the replaced port is closed");
            assertEquals(second, group.ports().get(0));
            assertEquals(attached[1], XdpAttachment.state(veth.outer)[1], "the same program stayed attached");
            CompletableFuture<Long> two = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 300, 64, TimeUnit.SECONDS.toNanos(10)));
            long[] r2 = receiveFlow(second, 300, two);
            long drops = second.counters().get(Counter.XDP_RX_DROPPED) + second.counters().get(Counter.XDP_RX_RING_FULL);
            assertEquals(300, r1[0], "the first socket received its flow");
            assertEquals(300, r2[0] + drops, "the new socket receives the next flow: " + r2[0] + " + dropped " + drops);
            assertTrue(r2[0] > 0);
            assertEquals(0, r1[1] + r1[2] + r2[1] + r2[2], "in order, every byte");
            assertTrue(second.audit().ok(), second.audit().toString());
            assertTrue(firstFd >= 0);
        }
    }

    @Test
    void anExistingXdpProgramIsReportedNotReplaced() {
        try (VethPair veth = new VethPair();
             BpfProgram other = BpfProgram.load(ProgramType.XDP, new Assembler().ret(2).build(), "theirs");
             XdpAttachment theirs = XdpAttachment.attach(other, veth.outer, XdpMode.DRIVER)) {
            ZcnbrhException e = assertThrows(ZcnbrhException.class, () -> Zcnbrh.open("afxdp:" + veth.outer,
                PortConfig.defaults()));
            assertTrue(e.getMessage().contains("already has an XDP program"), e.getMessage());
            assertEquals(XdpMode.DRIVER.attachedValue(), XdpAttachment.state(veth.outer)[0], "theirs is untouched");
        }
    }

    @Test
    void closeRemovesTheProgramAndEverything() throws Exception {
        try (VethPair veth = new VethPair()) {
            long fds = fdCount();
            for (int i = 0; i < 20; i++) {
                try (Port port = Zcnbrh.open("afxdp:" + veth.outer + "@0", PortConfig.builder().ringSize(256).build())) {
                    assertEquals("afxdp", port.backend());
                }
                assertEquals(0, XdpAttachment.state(veth.outer)[0], "the redirect program is gone");
            }
            // 20 opens make 5 fds each (socket, map, program, link, UMEM-free anon); none may remain. Other threads of
            // the test JVM may close theirs meanwhile, so the count may only shrink.
            long after = fdCount();
            assertTrue(after <= fds, "no file descriptor left behind: " + fds + " before, " + after + " after");
        }
    }

    @Test
    void zeroCopyIsProbedAndItsAbsenceNamed() {
        try (VethPair veth = new VethPair()) {
            try (AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder()
                .afXdp(AfXdpOptions.defaults().withBindMode(XskBindMode.ZEROCOPY)).build())) {
                assertTrue(port.zeroCopy(), "the driver offers zero-copy");
            } catch (SyscallException e) {
                assertEquals(Errno.EOPNOTSUPP, e.errno(), e.getMessage());
                String reason = "AF_XDP zero-copy mode is not available on veth in this kernel (" + e.getMessage()
                    + "); the zero-copy path is probed, copy mode is what runs here";
                System.out.println("SKIPPED zeroCopyIsProbedAndItsAbsenceNamed: " + reason);
                Assumptions.abort(reason);
            }
        }
    }

    /** Receives {@code count} datagrams of the flow; fails after 10 s. */
    private static long[] receive(AfXdpPort port, VethPair veth, int count, boolean blockingPoll) throws Exception {
        CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
            () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, count, 100, TimeUnit.SECONDS.toNanos(10)));
        long got = 0;
        long firstAddress = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (got < count && System.nanoTime() < deadline) {
            Packet p = port.poll();
            if (p == null) {
                if (blockingPoll) {
                    port.blockInPoll(100);
                } else {
                    port.awaitPackets(1_000_000);
                }
                continue;
            }
            if (UdpFlow.isFlow(p.segment(), p.length(), PORT)) {
                assertTrue(UdpFlow.payloadMatches(p.segment(), p.length()));
                if (firstAddress < 0) {
                    firstAddress = p.address();
                }
                got++;
            }
            port.release(p);
        }
        sender.get(20, TimeUnit.SECONDS);
        return new long[] {got, firstAddress};
    }

    @Test
    void umemHeadroomMovesTheDataAndIsKept() throws Exception {
        PortConfig withHeadroom = PortConfig.builder().ringSize(256).headroom(512).build();
        try (VethPair veth = new VethPair().withUdpPath(); AfXdpPort port = AfXdpPort.open(veth.outer, withHeadroom)) {
            long[] r = receive(port, veth, 100, false);
            assertEquals(100, r[0]);
            assertEquals(512, r[1] % 2048, "data starts 256 (UMEM headroom) + 256 (XDP_PACKET_HEADROOM) into the frame");
            assertEquals(0, port.counters().get(Counter.INVALID_DESCRIPTORS));
        }
        assertThrows(IllegalArgumentException.class, () -> AfXdpControl.umemHeadroom(
            PortConfig.builder().headroom(128).build()));
    }

    @Test
    void receiveThroughBlockingPollAndWithBusyPoll() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            try (AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(512).build())) {
                assertEquals(300, receive(port, veth, 300, true)[0], "poll(2) mode");
            }
            try (AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(512)
                .afXdp(AfXdpOptions.defaults().withBusyPoll(50, 64, true)).build())) {
                assertEquals(300, receive(port, veth, 300, false)[0], "SO_BUSY_POLL 50 us, budget 64, preferred");
            }
        }
    }

    @Test
    void aFullTxRingIsBackpressureNotCorruption() {
        try (VethPair veth = new VethPair();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(64).txBatch(64).build())) {
            // the peer has no NAPI (no XDP program), so veth drops what is sent; the ring fills only if nothing is
            // kicked, which txBatch 64 and a ring of 64 arrange for the first 64
            int accepted = 0;
            int refused = 0;
            for (int i = 0; i < 200; i++) {
                Packet p = port.claim();
                if (p == null) {
                    refused++;
                    continue;
                }
                io.zcnbrh.traffic.SequencedFrames.write(p.segment(), i, 64);
                if (port.transmit(p, 64)) {
                    accepted++;
                }
            }
            port.flush();
            assertEquals(200, accepted + refused + port.counters().get(Counter.DROPS));
            assertTrue(port.audit().ok(), port.audit().toString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (port.audit().count(FramePlace.TX) > 0 && System.nanoTime() < deadline) {
                port.flush();
            }
            assertEquals(0, port.audit().count(FramePlace.TX), "every frame the kernel took came back on completion");
            assertEquals(64, port.audit().count(FramePlace.FREE), "all transmit frames are free again");
        }
    }

    @Test
    void everyQueueOnOneSharedUmemWithAPollThreadEach() throws Exception {
        try (VethPair veth = new VethPair(2).withUdpPath()) {
            IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> AfXdpPort.open(veth.outer, PortConfig.defaults()));
            assertTrue(many.getMessage().contains("has 2 receive queues"), many.getMessage());
            // only the flow reaches the sockets (the rest, IPv6 neighbour discovery, goes to the stack), so a drop
            // counted by the kernel is a dropped datagram of the flow
            try (AfXdpQueues all = AfXdpQueues.open(veth.outer, PortConfig.builder().ringSize(512)
                .filter("udp dst port " + PORT).build())) {
                assertEquals(2, all.ports().size());
                long[] perQueue = new long[2];
                long[] corrupt = new long[2];
                java.util.List<io.zcnbrh.PollLoop> pollers = new java.util.ArrayList<>();
                for (int q = 0; q < 2; q++) {
                    int queue = q;
                    // one poll thread per queue, each pinned to its own CPU, sleeping in the backend when idle
                    pollers.add(io.zcnbrh.PollLoop.start(all.ports().get(q), p -> {
                        if (UdpFlow.isFlow(p.segment(), p.length(), PORT)) {
                            perQueue[queue]++;
                            if (!UdpFlow.payloadMatches(p.segment(), p.length())) {
                                corrupt[queue]++;
                            }
                        }
                    }, io.zcnbrh.PollLoop.Idle.BLOCKING, q % Runtime.getRuntime().availableProcessors(), 64,
                        "poll-q" + q));
                }
                long sent = UdpFlow.send(veth.netns, veth.outerIp, PORT, 4000, 64, TimeUnit.SECONDS.toNanos(20), 16);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (perQueue[0] + perQueue[1] < sent && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                pollers.forEach(io.zcnbrh.PollLoop::close);
                long drops = 0;
                for (AfXdpPort p : all.ports()) {
                    drops += p.counters().get(Counter.XDP_RX_DROPPED) + p.counters().get(Counter.XDP_RX_RING_FULL);
                }
                // every datagram is accounted for: received on one queue or the other, or dropped and counted
                assertEquals(sent, perQueue[0] + perQueue[1] + drops, "received " + perQueue[0] + " + " + perQueue[1]
                    + ", dropped " + drops);
                assertTrue(perQueue[0] > 0 && perQueue[1] > 0, "16 flows spread over both queues: " + perQueue[0]
                    + " / " + perQueue[1]);
                assertEquals(0, corrupt[0] + corrupt[1]);
                for (AfXdpPort p : all.ports()) {
                    assertTrue(p.audit().ok(), p.audit().toString());
                }
            }
            assertEquals(0, XdpAttachment.state(veth.outer)[0], "the group removed its program");
        }
    }

    @Test
    void aProgramOfOnesOwnThatDropsEveryOtherFrame() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             BpfMap seen = BpfMap.create(MapType.ARRAY, 4, 8, 1, "seen")) {
            io.zcnbrh.bpf.programs.XdpProgramFactory everyOther = xsks -> new Assembler()
                .mov64Reg(R6, R1)
                .st(W, R10, -4, 0)
                .ldMap(R1, seen).mov64Reg(R2, R10).alu64(ADD, R2, -4)
                .call(io.zcnbrh.bpf.asm.Helpers.MAP_LOOKUP_ELEM)
                .jmp(JEQ, R0, 0, "drop")
                .mov64(R1, 1).atomic(DW, ADD | FETCH, R0, R1, 0) // r1 = frames seen before this one
                .jmp(JSET, R1, 1, "drop")                         // odd: drop
                .ldx(W, R2, R6, 16).ldMap(R1, xsks).mov64(R3, TestRunResult.XDP_PASS)
                .call(io.zcnbrh.bpf.asm.Helpers.REDIRECT_MAP).exit()
                .label("drop").ret(TestRunResult.XDP_DROP)
                .build();
            try (AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(512)
                .program(XdpProgram.custom(everyOther)).build())) {
                CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                    () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 200, 64, TimeUnit.SECONDS.toNanos(10)));
                long[] r = receiveFlow(port, 100, sender);
                // other frames (IPv6 neighbour discovery) count too and may still trickle in: settle first
                long frames = -1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (System.nanoTime() < deadline) {
                    while (port.poll(p -> { }, 64) > 0) {
                        // take whatever else arrived
                    }
                    frames = seen.lookupLong(0);
                    // settled: the sender is done, the program saw its 200 (a check after 199 of them, with the
                    // 200th still on its way, was a race a CI run lost), and the socket has its half
                    if (sender.isDone() && frames >= 200 && delivered(port) == (frames + 1) / 2) {
                        break;
                    }
                    Thread.sleep(20);
                }
                assertTrue(frames >= 200, "the program saw every frame: " + frames);
                assertEquals((frames + 1) / 2, delivered(port),
                    "exactly the even-numbered frames reached the socket (received, or dropped there and counted)");
                assertTrue(port.counters().get(Counter.PACKETS_RX) > 0);
                assertEquals(0, r[1], "and in order");
            }
        }
    }

    private static long delivered(AfXdpPort port) {
        return port.counters().get(Counter.PACKETS_RX) + port.counters().get(Counter.XDP_RX_DROPPED)
            + port.counters().get(Counter.XDP_RX_RING_FULL);
    }

    @Test
    void badSpecsAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("afxdp:eth0@x"));
        SyscallException e = assertThrows(SyscallException.class, () -> Zcnbrh.open("afxdp:zcnbrh-none0@0"));
        assertTrue(e.getMessage().contains("no interface named 'zcnbrh-none0'"), e.getMessage());
    }

    private static long fdCount() throws Exception {
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
