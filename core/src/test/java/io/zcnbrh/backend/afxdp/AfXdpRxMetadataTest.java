package io.zcnbrh.backend.afxdp;

import io.zcnbrh.AfXdpOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.error.Errno;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device's receive metadata (xdp-rx-metadata.rst) through the metadata kfuncs, on veth: its hash is the one the
 * sending socket's stack put on the skb (sk_txhash, an L4 hash: the same for every datagram of a socket, another for
 * another socket); its timestamp is the skb's hardware stamp, which frames from the socket stack do not carry
 * (ENODATA), so the test says so instead of asserting one.
 */
@Tag("kernel")
class AfXdpRxMetadataTest {
    /** XDP_RSS_L4 (include/net/xdp.h, enum xdp_rss_hash_type): the hash covers the ports. */
    private static final int XDP_RSS_L4 = 1 << 3;

    @Test
    void eachFlowCarriesItsOwnStableL4HashAndTheTimestampSaysWhetherThereIsOne() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(512)
                 .afXdp(AfXdpOptions.defaults().withRxMetadata(true)).build())) {
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() -> UdpFlow.send(veth.netns, veth.outerIp,
                9000, 400, 64, TimeUnit.SECONDS.toNanos(10), 8)); // 8 sockets, 8 source ports
            Map<Integer, Integer> hashBySourcePort = new HashMap<>();
            Set<Integer> timestampStatus = new HashSet<>();
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen < 400 && System.nanoTime() < deadline) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                try {
                    if (!UdpFlow.isFlow(p.segment(), p.length(), 9000)) {
                        continue;
                    }
                    seen++;
                    assertEquals(0, p.rxHashStatus(), "veth has the hash kfunc: " + p.rxHashStatus());
                    assertTrue((p.rxHashType() & XDP_RSS_L4) != 0, "an L4 hash: " + p.rxHashType());
                    int source = (p.segment().get(JAVA_BYTE, 34) & 0xff) << 8 | (p.segment().get(JAVA_BYTE, 35) & 0xff);
                    Integer before = hashBySourcePort.putIfAbsent(source, p.rxHash());
                    assertTrue(before == null || before == p.rxHash(), "the same socket, the same hash: " + source);
                    timestampStatus.add(p.deviceTimestampStatus());
                    if (p.deviceTimestampStatus() == 0) {
                        assertTrue(p.deviceTimestampNanos() != 0, "a stamp when the device says it has one");
                    }
                } finally {
                    port.release(p);
                }
            }
            assertEquals(400L, sender.get(10, TimeUnit.SECONDS));
            assertEquals(400, seen);
            assertEquals(8, hashBySourcePort.size(), hashBySourcePort.toString());
            assertTrue(new HashSet<>(hashBySourcePort.values()).size() > 1, "flows differ: " + hashBySourcePort);
            assertTrue(Set.of(0, -Errno.ENODATA, -Errno.EOPNOTSUPP).containsAll(timestampStatus),
                "a stamp, or the kernel's reason why not: " + timestampStatus);
        }
    }

    @Test
    void deviceTimestampsRiseWhereTheDeviceHasThem() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(64)
                 .afXdp(AfXdpOptions.defaults().withRxMetadata(true)).build())) {
            UdpFlow.send(veth.netns, veth.outerIp, 9000, 20, 64, TimeUnit.SECONDS.toNanos(5));
            long last = 0;
            int stamped = 0;
            int status = Integer.MIN_VALUE;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < deadline && stamped + (status == Integer.MIN_VALUE ? 0 : 1) < 20) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                status = p.deviceTimestampStatus();
                if (status == 0) {
                    assertTrue(p.deviceTimestampNanos() >= last, "device stamps do not go back");
                    last = p.deviceTimestampNanos();
                    stamped++;
                }
                port.release(p);
            }
            Assumptions.assumeTrue(stamped > 0, "no device timestamp here (" + Errno.name(-status) + "): veth hands "
                + "on the skb's hardware stamp, and frames from the socket stack carry none; a NIC with hardware "
                + "stamps (and its driver's xmo_rx_timestamp) is needed");
        }
    }

    @Test
    void withoutItThePacketSaysAbsentAndAFilterCannotCarryIt() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(64).build())) {
            UdpFlow.send(veth.netns, veth.outerIp, 9000, 10, 64, TimeUnit.SECONDS.toNanos(5));
            Packet p = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (p == null && System.nanoTime() < deadline) {
                p = port.poll();
            }
            assertTrue(p != null);
            assertEquals(Integer.MIN_VALUE, p.rxHashStatus());
            assertEquals(Integer.MIN_VALUE, p.deviceTimestampStatus());
            port.release(p);
        }
        try (VethPair veth = new VethPair()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AfXdpPort.open(veth.outer,
                PortConfig.builder().filter("udp").afXdp(AfXdpOptions.defaults().withRxMetadata(true)).build()));
            assertTrue(e.getMessage().contains("redirect program"), e.getMessage());
        }
    }
}
