package io.zcnbrh.backend.afxdp;

import io.zcnbrh.AfXdpOptions;
import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multi-buffer AF_XDP (af_xdp.rst, XDP_USE_SG) on a veth pair with MTU 9000: 8000-byte UDP datagrams from the
 * namespace's socket stack arrive as chains of 2048-byte UMEM frames, handed out as one packet whose fragments are
 * the frames themselves, every byte checked by reading the fragments in place; forwarded whole; refused clearly
 * where multi-buffer is off.
 */
@Tag("kernel")
class AfXdpMultiBufferTest {
    private static final int PORT = 9000;
    private static final int PAYLOAD = 8000;
    private static final int FRAME = 14 + 20 + 8 + PAYLOAD; // 8042: Ethernet, IPv4, UDP, payload
    private static final int MAX = 8;

    @Test
    void jumboDatagramsArriveWholeAsChainsOfTheUmemFramesThemselves() throws Exception {
        try (VethPair veth = new VethPair().withMtu(9000).withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(1024).build())) {
            assertTrue(port.modeLine().contains("multi-buffer"), "MTU 9000 turns multi-buffer on: " + port.modeLine());
            MemorySegment umem = port.frames().memory();
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 200, PAYLOAD, TimeUnit.SECONDS.toNanos(10)));
            long expected = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (expected < 200 && System.nanoTime() < deadline) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                try {
                    if (!isFlow(p)) {
                        continue; // IPv6 neighbour discovery and the like
                    }
                    assertEquals(FRAME, p.packetLength(), p.toString());
                    assertTrue(p.fragmentCount() >= FRAME / port.frames().dataCapacity(), p.toString());
                    int sum = 0;
                    for (Packet f = p; f != null; f = f.next()) {
                        long at = f.nativeAddress() - umem.address();
                        assertTrue(at >= 0 && at + f.length() <= umem.byteSize(), "fragment in the UMEM: " + f);
                        assertTrue(f == p || f.isContinuation());
                        sum += f.length();
                    }
                    assertEquals(FRAME, sum, "the fragments add up to the packet");
                    assertEquals(expected, sequence(p), "in order");
                    assertTrue(payloadMatches(p), "every byte of datagram " + expected);
                    expected++;
                } finally {
                    port.release(p);
                }
            }
            assertEquals(200L, sender.get(10, TimeUnit.SECONDS));
            assertEquals(200, expected, "every datagram arrived whole: " + port.counters());
            assertEquals(0, port.counters().get(Counter.INVALID_DESCRIPTORS));
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void aFilterReadsBytesPastTheFirstFragment() throws Exception {
        // udp[5008] is payload byte 5000, (byte) (seq + 5000): even exactly for the even sequence numbers; the first
        // fragment ends long before it, so the compiled program reads it with bpf_xdp_load_bytes
        try (VethPair veth = new VethPair().withMtu(9000).withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(1024)
                 .filter("udp dst port 9000 and udp[5008] & 1 = 0").build())) {
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 200, PAYLOAD, TimeUnit.SECONDS.toNanos(10)));
            List<Long> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 100 && System.nanoTime() < deadline) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                seen.add(sequence(p));
                port.release(p);
            }
            assertEquals(200L, sender.get(10, TimeUnit.SECONDS));
            assertEquals(100, seen.size(), "the even ones: " + port.counters());
            for (int i = 0; i < 100; i++) {
                assertEquals(2L * i, seen.get(i));
            }
            assertEquals(100L, port.counters().get(Counter.FILTER_SOCKET));
        }
    }

    @Test
    void aLaterFragmentIsNotReleasedAloneAndTheChainIsForwardedWhole() throws Exception {
        try (VethPair veth = new VethPair().withMtu(9000).withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(1024).build());
             AfXdpPort far = NetNamespace.call(veth.netns, () -> AfXdpPort.open(veth.inner,
                 PortConfig.builder().ringSize(1024).build()))) {
            CompletableFuture.runAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, PORT, 20, PAYLOAD, TimeUnit.SECONDS.toNanos(10)));
            int forwarded = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<Long> back = new ArrayList<>();
            while ((forwarded < 20 || back.size() < 20) && System.nanoTime() < deadline) {
                Packet p = port.poll();
                if (p != null) {
                    if (!isFlow(p)) {
                        port.release(p);
                        continue;
                    }
                    Packet second = p.next();
                    assertThrows(IllegalArgumentException.class, () -> port.release(second),
                        "a later fragment is released with its packet, not alone");
                    assertTrue(port.forward(p), "forwarded whole: " + port.counters());
                    forwarded++;
                    port.flush();
                }
                Packet q = far.poll();
                if (q != null) {
                    try {
                        if (isFlow(q)) {
                            assertEquals(FRAME, q.packetLength(), "the chain left whole: " + q);
                            assertTrue(payloadMatches(q));
                            back.add(sequence(q));
                        }
                    } finally {
                        far.release(q);
                    }
                }
                if (p == null && q == null) {
                    Thread.onSpinWait();
                }
            }
            assertEquals(20, forwarded);
            assertEquals(20, back.size(), "the far end received every forwarded chain: " + far.counters());
            assertEquals(20L, port.counters().get(Counter.FORWARDED));
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void claimedFramesGoOutAsOneMultiBufferPacketAndAPortWithoutItSaysSo() throws Exception {
        try (VethPair veth = new VethPair().withMtu(9000);
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(256).build());
             AfXdpPort far = NetNamespace.call(veth.netns, () -> AfXdpPort.open(veth.inner,
                 PortConfig.builder().ringSize(256).build()))) {
            MemorySegment frame = MemorySegment.ofArray(new byte[FRAME]);
            frame.set(JAVA_BYTE, 12, (byte) 0x08);
            frame.set(JAVA_BYTE, 14, (byte) 0x45);
            frame.set(JAVA_BYTE, 23, (byte) 17);
            int received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int seq = 0; seq < 10; seq++) {
                UdpFlow.writeAt(frame, UdpFlow.PAYLOAD_OFFSET, seq, PAYLOAD);
                Packet[] fragments = new Packet[MAX];
                int[] lengths = new int[MAX];
                int n = 0;
                for (int at = 0; at < FRAME; n++) {
                    fragments[n] = port.claim();
                    lengths[n] = Math.min(fragments[n].capacity(), FRAME - at);
                    MemorySegment.copy(frame, at, fragments[n].segment(), 0, lengths[n]);
                    at += lengths[n];
                }
                assertTrue(n > 1);
                assertTrue(port.transmitFragments(fragments, lengths, n), port.counters().toString());
                port.flush();
                Packet q = null;
                while (q == null && System.nanoTime() < deadline) {
                    q = far.poll();
                    if (q != null && !isFlow(q)) {
                        far.release(q);
                        q = null;
                    }
                }
                assertTrue(q != null, "the far end received packet " + seq + ": " + far.counters());
                try {
                    assertEquals(FRAME, q.packetLength());
                    assertEquals(seq, sequence(q));
                    assertTrue(payloadMatches(q));
                    received++;
                } finally {
                    far.release(q);
                }
            }
            assertEquals(10, received);
            assertTrue(port.audit().ok(), port.audit().toString());
        }
        try (VethPair veth = new VethPair();
             AfXdpPort small = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(64).build())) {
            Packet[] two = {small.claim(), small.claim()};
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> small.transmitFragments(two, new int[] {100, 100}, 2));
            assertTrue(e.getMessage().contains("XDP_USE_SG"), e.getMessage());
            small.release(two[0]);
            small.release(two[1]);
        }
    }

    @Test
    void multiBufferOffOnAJumboMtuIsRefusedWithWhatToChange() {
        try (VethPair veth = new VethPair().withMtu(9000)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AfXdpPort.open(veth.outer,
                PortConfig.builder().afXdp(AfXdpOptions.defaults().withMultiBuffer(AfXdpOptions.MultiBuffer.OFF))
                    .build()));
            assertTrue(e.getMessage().contains("MTU 9000") && e.getMessage().contains("4096-byte frames")
                && e.getMessage().contains("withMultiBuffer"), e.getMessage());
        }
    }

    /** Byte {@code i} of the whole packet, read from the fragment that holds it (no copy). */
    private static byte byteAt(Packet p, int i) {
        int at = i;
        for (Packet f = p; f != null; f = f.next()) {
            if (at < f.length()) {
                return f.segment().get(JAVA_BYTE, at);
            }
            at -= f.length();
        }
        throw new IndexOutOfBoundsException(i);
    }

    private static boolean isFlow(Packet p) {
        return p.packetLength() >= FRAME && p.segment().get(JAVA_BYTE, 12) == 0x08
            && p.segment().get(JAVA_BYTE, 13) == 0x00 && p.segment().get(JAVA_BYTE, 23) == 17;
    }

    private static long sequence(Packet p) {
        return p.segment().get(JAVA_LONG_UNALIGNED, UdpFlow.PAYLOAD_OFFSET);
    }

    /** UdpFlow's payload: byte i (from 8) of datagram seq is (byte) (seq + i), across every fragment. */
    private static boolean payloadMatches(Packet p) {
        long seq = sequence(p);
        for (int i = 8; i < PAYLOAD; i++) {
            if (byteAt(p, UdpFlow.PAYLOAD_OFFSET + i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }
}
