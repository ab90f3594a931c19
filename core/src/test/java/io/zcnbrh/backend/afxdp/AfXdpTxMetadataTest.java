package io.zcnbrh.backend.afxdp;

import io.zcnbrh.AfXdpOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AF_XDP TX metadata (xsk-tx-metadata.rst) on veth: a checksum asked for per packet is computed by the kernel (in
 * software: copy mode) and arrives valid at an AF_XDP port in the far namespace, while the same frame sent without
 * the request keeps the partial sum it was written with; launch time is accepted (veth's default qdisc does not hold
 * packets back, so its effect is not measured); copy mode has no completion timestamp, which the mode line says.
 */
@Tag("kernel")
class AfXdpTxMetadataTest {
    private static final int LENGTH = 14 + 20 + 8 + 64;

    @Test
    void aRequestedUdpChecksumArrivesValidAndAnUnrequestedOneDoesNot() throws Exception {
        try (VethPair veth = new VethPair();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(64)
                 .afXdp(AfXdpOptions.defaults().withTxMetadata(true)).build());
             AfXdpPort far = NetNamespace.call(veth.netns, () -> AfXdpPort.open(veth.inner,
                 PortConfig.builder().ringSize(64).build()))) {
            Assumptions.assumeTrue(port.socket().txMetadataLength() > 0, "no TX metadata: "
                + port.socket().txMetadataAbsent());
            assertTrue(port.modeLine().contains("TX metadata: checksum offload"), port.modeLine());
            assertTrue(port.modeLine().contains("completion timestamp absent"), port.modeLine());
            for (int i = 0; i < 20; i++) {
                boolean offload = i % 2 == 0;
                Packet p = port.claim();
                writeUdp(p.segment(), i);
                if (offload) {
                    port.offloadChecksum(p, 34, 6); // from the UDP header; the checksum field at its offset 6
                    port.launchAt(p, System.nanoTime()); // accepted; nothing on veth holds a packet for it
                }
                assertTrue(port.transmit(p, LENGTH));
                port.flush();
                Packet q = receive(far);
                try {
                    assertEquals(LENGTH, q.length());
                    assertEquals(i, q.segment().get(JAVA_BYTE, 42));
                    assertEquals(offload, udpChecksumValid(q.segment()), (offload ? "computed by the kernel"
                        : "left as written (the pseudo-header's sum only)") + " for frame " + i);
                } finally {
                    far.release(q);
                }
            }
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void withoutTxMetadataARequestSaysWhatToDo() {
        try (VethPair veth = new VethPair();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(64).build())) {
            Packet p = port.claim();
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> port.offloadChecksum(p, 34, 6));
            assertTrue(e.getMessage().contains("withTxMetadata(true)"), e.getMessage());
            port.release(p);
        }
    }

    private static Packet receive(AfXdpPort far) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Packet q = far.poll();
            if (q != null) {
                if (q.length() == LENGTH && (q.segment().get(JAVA_BYTE, 23) & 0xff) == 17) {
                    return q;
                }
                far.release(q); // IPv6 neighbour discovery and the like
            } else {
                far.awaitPackets(1_000_000);
            }
        }
        throw new AssertionError("nothing arrived at the far end");
    }

    /** Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, UDP 12345 -> 9000 with 64 payload bytes (the first = i); the UDP
     * checksum field holds the pseudo-header's folded sum, as CHECKSUM_PARTIAL wants it. */
    private static void writeUdp(MemorySegment f, int i) {
        byte[] b = new byte[LENGTH];
        b[12] = 0x08;
        b[14] = 0x45;
        put16(b, 16, 20 + 8 + 64);
        b[22] = 64;
        b[23] = 17;
        byte[] src = {10, 0, 0, 1};
        byte[] dst = {10, 0, 0, 2};
        System.arraycopy(src, 0, b, 26, 4);
        System.arraycopy(dst, 0, b, 30, 4);
        put16(b, 24, ~fold(sum(b, 14, 20)) & 0xffff);
        put16(b, 34, 12345);
        put16(b, 36, 9000);
        put16(b, 38, 8 + 64);
        for (int k = 0; k < 64; k++) {
            b[42 + k] = (byte) (i + k);
        }
        long pseudo = sum(b, 26, 8) + 17 + 8 + 64;
        put16(b, 40, fold(pseudo));
        MemorySegment.copy(b, 0, f, JAVA_BYTE, 0, LENGTH);
    }

    private static boolean udpChecksumValid(MemorySegment f) {
        byte[] b = f.asSlice(0, LENGTH).toArray(JAVA_BYTE);
        long s = sum(b, 26, 8) + 17 + 8 + 64 + sum(b, 34, 8 + 64);
        return fold(s) == 0xffff;
    }

    private static long sum(byte[] b, int from, int length) {
        long s = 0;
        for (int k = 0; k + 1 < length; k += 2) {
            s += (b[from + k] & 0xff) << 8 | (b[from + k + 1] & 0xff);
        }
        if (length % 2 == 1) {
            s += (b[from + length - 1] & 0xff) << 8;
        }
        return s;
    }

    private static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    private static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }
}
