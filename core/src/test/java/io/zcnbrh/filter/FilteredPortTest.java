package io.zcnbrh.filter;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A filter on a real port: matching traffic reaches the AF_XDP socket, the rest the kernel stack. */
@Tag("kernel")
class FilteredPortTest {
    @Test
    void matchingUdpReachesTheSocketAndTheRestAnOrdinarySocketBeside() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            // the AF_XDP port's end gets the address, so the kernel stack behind it takes what the filter passes
            veth.withOuterAddress();
            PortConfig config = PortConfig.builder().ringSize(1024).filter("udp dst port 9000").build();
            try (AfXdpPort port = AfXdpPort.open(veth.outer, config);
                 DatagramChannel ordinary = DatagramChannel.open()) {
                ordinary.bind(new InetSocketAddress(veth.outerIp, 9001));
                ordinary.configureBlocking(false);
                long udpDropsBefore = socketDrops(veth.outerIp, 9001);
                // sent while both receivers read, so neither socket buffer overflows
                var sent = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    UdpFlow.send(veth.netns, veth.outerIp, 9000, 300, 64, TimeUnit.SECONDS.toNanos(10))
                        + UdpFlow.send(veth.netns, veth.outerIp, 9001, 200, 64, TimeUnit.SECONDS.toNanos(10)));
                long toSocket = 0;
                long other = 0;
                long toStack = 0;
                ByteBuffer buf = ByteBuffer.allocate(2048);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while ((toSocket < 300 || toStack + socketDrops(veth.outerIp, 9001) - udpDropsBefore < 200)
                    && System.nanoTime() < deadline) {
                    Packet p = port.poll();
                    if (p != null) {
                        if (UdpFlow.isFlow(p.segment(), p.length(), 9000) && UdpFlow.payloadMatches(p.segment(), p.length())) {
                            toSocket++;
                        } else {
                            other++;
                        }
                        port.release(p);
                    }
                    for (int i = 0; i < 64; i++) { // drain: a burst must not overflow the socket buffer
                        buf.clear();
                        if (ordinary.receive(buf) == null) {
                            break;
                        }
                        toStack++;
                    }
                    if (p == null) {
                        Thread.onSpinWait();
                    }
                }
                assertEquals(500, sent.get(10, TimeUnit.SECONDS));
                assertEquals(0, other, "only port-9000 datagrams reached the AF_XDP socket");
                long dropped = port.counters().get(Counter.XDP_RX_DROPPED) + port.counters().get(Counter.XDP_RX_RING_FULL);
                assertEquals(300, toSocket + dropped, "the filtered flow reached the socket (or was counted)");
                long udpDrops = socketDrops(veth.outerIp, 9001) - udpDropsBefore;
                assertEquals(200, toStack + udpDrops, "the other flow reached the ordinary socket through the kernel "
                    + "stack: " + toStack + " received, " + udpDrops + " dropped by its full buffer");
                assertTrue(toStack >= 150, "most of it arrived: " + toStack);
                assertTrue(port.counters().get(Counter.FILTER_SOCKET) >= 300, port.counters().toString());
                assertTrue(port.counters().get(Counter.FILTER_PASS) >= 200, port.counters().toString());
                assertEquals(0, port.counters().get(Counter.FILTER_DROP));
                assertTrue(port.audit().ok());
            }
        }
    }

    /**
     * The drops of this test's own UDP socket on {@code address}:{@code port} (the last column of
     * /proc/net/udp or udp6 for a dual-stack socket, per socket: other processes' UDP losses do not count here).
     */
    private static long socketDrops(String address, int port) throws java.io.IOException {
        byte[] ip = java.net.InetAddress.getByName(address).getAddress();
        String local = String.format("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], port); // host order (x86)
        for (String table : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 12 && f[1].endsWith(local)) { // udp6 writes ::ffff:a.b.c.d with the same last 8 digits
                    return Long.parseLong(f[f.length - 1]);
                }
            }
        }
        throw new IllegalStateException("no UDP socket on " + local + " in /proc/net/udp or udp6");
    }
}
