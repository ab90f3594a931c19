package io.zcnbrh.backend.afxdp;

import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.bpf.programs.XskSpreadProgram.Spread;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several AF_XDP sockets on one queue of a single-queue veth (XDP_SHARED_UMEM on the same queue: one fill ring, one
 * ownership table), each consumer on its own thread: one flow received between two consumers with no datagram lost
 * or seen twice; spread by flow, every flow on one consumer and in order; what a consumer cannot do is refused.
 */
@Tag("kernel")
class AfXdpSharedQueueTest {
    private static final int PORT = 9000;
    private static final int PAYLOAD = 64;

    /** What one consumer's thread saw: sequence numbers in arrival order and their flows (UDP source ports). */
    private record Seen(List<Long> sequences, List<Integer> sourcePorts) {
    }

    @Test
    void twoSocketsOnOneQueueReceiveOneFlowBetweenThemWithNothingLostOrSeenTwice() throws Exception {
        int count = 5000;
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpSharedQueue queue = AfXdpSharedQueue.open(veth.outer, 0, 2, Spread.ROUND_ROBIN,
                 PortConfig.builder().ringSize(1024).build())) {
            assertTrue(queue.ports().get(1).modeLine().contains("consumer 1 of 2"), queue.ports().get(1).modeLine());
            List<Seen> seen = receiveWhileSending(veth, queue, count, 1);
            BitSet all = new BitSet();
            for (Seen s : seen) {
                assertTrue(s.sequences().size() >= count / 4, "round robin gives each consumer its share: "
                    + s.sequences().size() + " of " + count);
                long last = -1;
                for (long seq : s.sequences()) {
                    assertTrue(seq > last, "each consumer sees its share in order");
                    last = seq;
                    assertTrue(!all.get((int) seq), "datagram " + seq + " seen twice");
                    all.set((int) seq);
                }
            }
            assertEquals(count, all.cardinality(), "every datagram arrived at exactly one consumer: " + counters(queue));
            assertEquals(count, all.nextClearBit(0));
            assertTrue(queue.audit().ok(), queue.audit().toString());
        }
    }

    @Test
    void spreadByFlowEachFlowStaysOnOneConsumerInOrder() throws Exception {
        int flows = 16;
        int count = 4000;
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpSharedQueue queue = AfXdpSharedQueue.open(veth.outer, 0, 2, Spread.FLOW,
                 PortConfig.builder().ringSize(1024).build())) {
            List<Seen> seen = receiveWhileSending(veth, queue, count, flows);
            Map<Integer, Integer> consumerOfFlow = new HashMap<>();
            int total = 0;
            for (int c = 0; c < seen.size(); c++) {
                Seen s = seen.get(c);
                Map<Integer, Long> lastOfFlow = new HashMap<>();
                for (int i = 0; i < s.sequences().size(); i++) {
                    int flow = s.sourcePorts().get(i);
                    Integer before = consumerOfFlow.putIfAbsent(flow, c);
                    assertTrue(before == null || before == c, "flow from port " + flow + " on consumers " + before
                        + " and " + c);
                    long seq = s.sequences().get(i);
                    assertTrue(seq > lastOfFlow.getOrDefault(flow, -1L), "flow " + flow + " in order");
                    lastOfFlow.put(flow, seq);
                }
                total += s.sequences().size();
            }
            assertEquals(count, total, "nothing lost: " + counters(queue));
            assertEquals(flows, consumerOfFlow.size());
            assertEquals(2, new java.util.HashSet<>(consumerOfFlow.values()).size(),
                "16 flows reach both consumers: " + consumerOfFlow);
            assertTrue(queue.audit().ok(), queue.audit().toString());
        }
    }

    @Test
    void aConsumerReceivesOnlyAndWrongSetUpsAreRefusedWithTheReason() {
        try (VethPair veth = new VethPair()) {
            PortConfig config = PortConfig.builder().ringSize(64).build();
            IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> AfXdpSharedQueue.open(veth.outer, 0, 1, Spread.FLOW, config));
            assertTrue(one.getMessage().contains("afxdp:" + veth.outer + "@0"), one.getMessage());
            IllegalArgumentException filtered = assertThrows(IllegalArgumentException.class,
                () -> AfXdpSharedQueue.open(veth.outer, 0, 2, Spread.FLOW, PortConfig.builder().ringSize(64)
                    .filter("udp").build()));
            assertTrue(filtered.getMessage().contains("spread program"), filtered.getMessage());
            try (AfXdpSharedQueue queue = AfXdpSharedQueue.open(veth.outer, 0, 2, Spread.FLOW, config)) {
                ZcnbrhException claim = assertThrows(ZcnbrhException.class, () -> queue.ports().get(0).claim());
                assertTrue(claim.getMessage().contains("one completion ring"), claim.getMessage());
                assertTrue(queue.audit().ok(), queue.audit().toString());
            }
            // closed: the queue is free again for a port of its own
            try (AfXdpPort alone = AfXdpPort.open(veth.outer + "@0", config)) {
                assertTrue(alone.audit().ok());
            }
        }
    }

    /**
     * Sends {@code count} datagrams round robin over {@code flows} sockets from the far namespace while one thread
     * per consumer receives; the sender keeps at most 512 in flight (received or not), so a consumer thread the
     * scheduler holds back does not overrun its RX ring: what is lost is lost by the sharing, not by the test.
     */
    private static List<Seen> receiveWhileSending(VethPair veth, AfXdpSharedQueue queue, int count, int flows)
        throws Exception {
        AtomicLong received = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Seen> seen = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (AfXdpPort port : queue.ports()) {
            Seen s = new Seen(new ArrayList<>(), new ArrayList<>());
            seen.add(s);
            threads.add(Thread.ofPlatform().name("consumer-" + threads.size()).start(() -> {
                while (!stop.get()) {
                    Packet p = port.poll();
                    if (p == null) {
                        port.awaitPackets(1_000_000);
                        continue;
                    }
                    MemorySegment f = p.segment();
                    if (p.length() >= UdpFlow.PAYLOAD_OFFSET + 8 && f.get(JAVA_BYTE, 12) == 0x08
                        && f.get(JAVA_BYTE, 13) == 0 && f.get(JAVA_BYTE, 23) == 17
                        && Short.toUnsignedInt(Short.reverseBytes(f.get(JAVA_SHORT_UNALIGNED, 36))) == PORT) {
                        s.sequences().add(UdpFlow.sequence(f));
                        s.sourcePorts().add(Short.toUnsignedInt(Short.reverseBytes(f.get(JAVA_SHORT_UNALIGNED, 34))));
                        received.incrementAndGet();
                    }
                    port.release(p);
                }
            }));
        }
        try {
            NetNamespace.call(veth.netns, () -> {
                send(veth.outerIp, count, flows, received);
                return null;
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(50); // anything arriving twice would arrive now
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(5000);
            }
        }
        return seen;
    }

    private static void send(String host, int count, int flows, AtomicLong received) {
        DatagramChannel[] channels = new DatagramChannel[flows];
        try {
            for (int i = 0; i < flows; i++) {
                channels[i] = DatagramChannel.open();
                channels[i].bind(null);
            }
            InetSocketAddress to = new InetSocketAddress(host, PORT);
            ByteBuffer buf = ByteBuffer.allocateDirect(PAYLOAD);
            MemorySegment seg = MemorySegment.ofBuffer(buf);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (int seq = 0; seq < count; seq++) {
                while (seq - received.get() >= 512 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                UdpFlow.write(seg, seq, PAYLOAD);
                buf.clear();
                channels[seq % flows].send(buf, to);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (DatagramChannel ch : channels) {
                try {
                    if (ch != null) {
                        ch.close();
                    }
                } catch (IOException ignored) {
                    // closing a datagram socket in a test
                }
            }
        }
    }

    private static String counters(AfXdpSharedQueue queue) {
        StringBuilder b = new StringBuilder();
        for (AfXdpPort p : queue.ports()) {
            b.append(p.spec()).append(' ').append(p.counters()).append("; ");
        }
        return b.toString();
    }
}
