package io.zcnbrh.zcnbrhd;

import io.zcnbrh.DaemonOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.daemon.DaemonClient;
import io.zcnbrh.daemon.Protocol;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.UnixSocket;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * zcnbrhd and its client in one JVM (the unprivileged, multi-process cases are app's DaemonTest): the hand-over,
 * the client's own filter combined with the grant's, the lease revoking the port when the daemon stops, and what
 * the daemon answers to requests a client library would never send.
 */
@Tag("kernel")
class DaemonInProcessTest {
    private static final int ME = (int) new com.sun.security.auth.module.UnixSystem().getUid();

    private static Path socketPath() throws Exception {
        Path dir = Files.createTempDirectory("zcnbrhd");
        return dir.resolve("d.sock");
    }

    @Test
    void aClientReceivesThroughTheDaemonWithItsOwnFilterAndIsToldWhenTheDaemonStops() throws Exception {
        Path sock = socketPath();
        try (VethPair veth = new VethPair().withUdpPath()) {
            Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":" + veth.outer + "@0 filter=udp")));
            try {
                PortConfig config = PortConfig.builder().daemon(DaemonOptions.at(sock.toString())).ringSize(256).frameCount(512)
                    .filter("dst port 9000").build();
                try (Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", config)) {
                    assertEquals("afxdp", port.backend());
                    long sent9000 = UdpFlow.send(veth.netns, veth.outerIp, 9000, 200, 64, TimeUnit.MILLISECONDS.toNanos(200));
                    UdpFlow.send(veth.netns, veth.outerIp, 9001, 200, 64, TimeUnit.MILLISECONDS.toNanos(200));
                    long got = 0;
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                    while (got < sent9000 && System.nanoTime() < until) {
                        Packet p = port.poll();
                        if (p == null) {
                            port.awaitPackets(100_000);
                            continue;
                        }
                        int dstPort = Short.toUnsignedInt(p.segment().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(
                            java.nio.ByteOrder.BIG_ENDIAN), 36));
                        assertEquals(9000, dstPort, "(grant: udp) and (own: dst port 9000)");
                        got++;
                        port.release(p);
                    }
                    assertEquals(sent9000, got, "every datagram to port 9000 through the daemon's socket: "
                        + port.counters());
                    assertEquals(1, daemon.liveClients());
                    daemon.close(); // an orderly stop: the lease sees the connection end and revokes the port
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    ZcnbrhException revoked = null;
                    while (revoked == null && System.nanoTime() < deadline) {
                        try {
                            port.poll();
                            Thread.sleep(5);
                        } catch (ZcnbrhException e) {
                            revoked = e;
                        }
                    }
                    assertTrue(revoked != null && revoked.getMessage().contains(DaemonClient.LEASE_LOST), String.valueOf(revoked));
                }
                assertEquals(0, daemon.liveClients());
                assertEquals(0, daemon.interfaces());
            } finally {
                daemon.close();
            }
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(sock.getParent());
        }
    }

    private static Map<String, String> ask(Path sock, Map<String, String> request) {
        try (UnixSocket c = UnixSocket.connect(sock.toString())) {
            c.send(Protocol.format(request).getBytes(StandardCharsets.UTF_8));
            UnixSocket.Message m = c.receive(4096);
            return m == null ? Map.of() : Protocol.parse(new String(m.data(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void requestsNoClientLibrarySendsAreRefusedWithTheReason() throws Exception {
        Path sock = socketPath();
        try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":zcnbrh-none0@* frames=4096")))) {
            assertEquals(sock.toString(), daemon.path());
            assertEquals(1, daemon.policy().grants().size());
            assertTrue(ask(sock, Map.of("ifname", "zcnbrh-none0", "queue", "x")).get("reason").contains("not one"));
            assertTrue(ask(sock, Map.of("ifname", "zcnbrh-none0", "frames", "8192", "ring", "2048")).get("reason")
                .contains("allows 4096 frames"));
            // within the grant's frames (the default ring would ask for more than 4096): a filter that does not
            // compile, an interface that is not there
            String filter = ask(sock, Map.of("ifname", "zcnbrh-none0", "ring", "1024", "filter", "udp port"))
                .get("reason");
            assertTrue(filter.contains("the filter does not compile"), filter);
            String iface = ask(sock, Map.of("ifname", "zcnbrh-none0", "ring", "1024")).get("reason");
            assertTrue(iface.contains("cannot take zcnbrh-none0"), iface);
            assertTrue(ask(sock, Map.of("ifname", "eth9")).get("reason").contains("has no grant for eth9@0"));
            // a client that connects and goes, and one that goes before its answer: neither is kept (waited for
            // until the daemon has ended every connection this test made, the five asks above and these two:
            // counting open connections alone raced with the accept, which can come after the client is gone)
            UnixSocket.connect(sock.toString()).close();
            try (UnixSocket early = UnixSocket.connect(sock.toString())) {
                early.send("ifname=eth9\tqueue=0".getBytes(StandardCharsets.UTF_8));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (daemon.endedConnections() < 7 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(7, daemon.endedConnections(), "every connection of this test ended");
            assertEquals(0, daemon.connections(), "the daemon still holds connections that ended");
            assertEquals(new Zcnbrhd.Holdings(0, 0), Zcnbrhd.holdings());
            assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("zcnbrhd:eth0", PortConfig.defaults()));
            assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("zcnbrhd:eth0@x", PortConfig.defaults()));
            ZcnbrhException refused = assertThrows(ZcnbrhException.class, () -> Zcnbrh.open("zcnbrhd:eth9@0",
                PortConfig.builder().daemon(DaemonOptions.at(sock.toString())).build()));
            assertTrue(refused.getMessage().contains("zcnbrhd refused eth9@0"), refused.getMessage());
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(sock.getParent());
        }
    }

    @Test
    void aReplyWithTooFewDescriptorsIsAClearErrorAndLeaksNothing() throws Exception {
        Path sock = socketPath();
        try (UnixSocket fake = UnixSocket.listen(sock.toString(), 4);
             io.zcnbrh.mem.Mapping umem = io.zcnbrh.mem.Mapping.memfd("zcnbrh-fake-umem", 4096,
                 io.zcnbrh.config.PageSize.BASE, -1)) {
            Thread daemon = Thread.ofPlatform().start(() -> {
                try (UnixSocket c = fake.accept()) {
                    UnixSocket.closeDescriptors(c.receive(4096));
                    c.send(Protocol.format(Map.of("status", "ok", "ring", "256", "frames", "512", "frame_size", "2048",
                        "wakeup", "true", "umem_bytes", "4096", "filter", "", "tx", "true"))
                        .getBytes(StandardCharsets.UTF_8), umem.fd()); // the UMEM, and no socket
                    c.receive(64);
                }
            });
            ZcnbrhException e = assertThrows(ZcnbrhException.class, () -> Zcnbrh.open("zcnbrhd:eth9@0",
                PortConfig.builder().daemon(DaemonOptions.at(sock.toString())).ringSize(256).frameCount(512).build()));
            assertTrue(e.getMessage().contains("with 1 descriptors instead of 2"), e.getMessage());
            daemon.join();
            assertEquals(1, io.zcnbrh.sys.OpenFiles.countOwn("memfd:zcnbrh-fake-umem"), "the copy received is closed");
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(sock.getParent());
        }
    }
}
