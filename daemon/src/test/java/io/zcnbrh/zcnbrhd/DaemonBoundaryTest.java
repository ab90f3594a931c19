package io.zcnbrh.zcnbrhd;

import io.zcnbrh.DaemonOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.daemon.DaemonClient;
import io.zcnbrh.daemon.Protocol;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.filter.FilterSyntaxException;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.filter.SoftFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.netlab.FrameCounter;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.UnixSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * zcnbrhd against clients that do not follow the client library: hand-written requests, silent connections,
 * descriptors sent unasked, too many connections, a receive-only tenant that tries to transmit, a tenant that keeps
 * its socket after its connection ended, frames over the grant across connections (docs/SECURITY.md). Each case
 * broke the daemon before the trust-boundary work; the uid-crossing flood is app's DaemonFloodTest.
 */
@Timeout(120)
@Tag("kernel")
class DaemonBoundaryTest {
    private static final int ME = (int) new com.sun.security.auth.module.UnixSystem().getUid();
    private static final String FLOOD_TAG = "zcnbrh-boundary-flood";

    private static Path socketPath() throws Exception {
        return Files.createTempDirectory("zcnbrhd").resolve("d.sock");
    }

    private static void remove(Path sock) throws Exception {
        Files.deleteIfExists(sock);
        Files.deleteIfExists(sock.getParent());
    }

    private static Map<String, String> reply(UnixSocket c) {
        c.receiveTimeout(20_000); // a daemon that never answers fails the test instead of hanging it
        UnixSocket.Message m = c.receive(4096);
        UnixSocket.closeDescriptors(m);
        return m == null ? Map.of() : Protocol.parse(new String(m.data(), StandardCharsets.UTF_8));
    }

    private static Map<String, String> ask(Path sock, String rawRequest, int... fds) {
        try (UnixSocket c = UnixSocket.connect(sock.toString())) {
            c.send(rawRequest.getBytes(StandardCharsets.UTF_8), fds);
            return reply(c);
        }
    }

    private static long openDescriptorsNamed(String tag) {
        return io.zcnbrh.sys.OpenFiles.countOwn(tag);
    }

    @Test
    void aHandWrittenFilterCannotReachIntoTheGrantsParentheses() throws Exception {
        // the request a tenant writes by hand: pasted into "(grant) and (client)" it read
        // "(udp dst port 9000) and (tcp) or (ip)": every IPv4 frame of the queue
        assertThrows(FilterSyntaxException.class, () -> PacketFilter.compile("tcp) or (ip"));
        Path sock = socketPath();
        try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(),
                Policy.of(Grant.parse(ME + ":zcnbrh-none0@0 filter=udp dst port 9000")))) {
            String why = ask(sock, "ifname=zcnbrh-none0\tqueue=0\tring=256\tframes=512\tfilter=tcp) or (ip")
                .get("reason");
            assertTrue(why != null && why.contains("does not compile on its own"), why);
            assertEquals(0, daemon.interfaces(), "refused before the interface is touched");
        } finally {
            remove(sock);
        }
        // what a well-formed client filter becomes: the grant's condition and the client's, on the tree
        Grant grant = Grant.parse(ME + ":eth0@0 filter=udp dst port 9000");
        PacketFilter both = Zcnbrhd.filter(grant, "ip or tcp");
        assertEquals("(udp dst port 9000) and (ip or tcp)", both.expression());
        SoftFilter soft = SoftFilter.of(both);
        try (VethPair veth = new VethPair()) {
            MemorySegment to9000 = MemorySegment.ofArray(veth.udpFrameToOuter(64, 9000));
            MemorySegment to22 = MemorySegment.ofArray(veth.udpFrameToOuter(64, 22));
            assertEquals(Verdict.SOCKET, soft.decide(to9000, 64));
            assertEquals(Verdict.PASS, soft.decide(to22, 64), "the client's 'ip or tcp' cannot widen the grant");
        }
        assertEquals("udp", Zcnbrhd.filter(new Grant(ME, "eth0", 0), "udp").expression());
        assertNull(Zcnbrhd.filter(new Grant(ME, "eth0", 0), " "));
    }

    @Test
    void clientTextNeverReachesTheLogOrTheReplyAsIs() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(new java.util.logging.SimpleFormatter().formatMessage(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("io.zcnbrh.daemon");
        log.addHandler(capture);
        Path sock = socketPath();
        try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":eth9@0")))) {
            String forged = "eth0\nzcnbrhd: uid 0 pid 1 receives on eth1@0";
            String why = ask(sock, "ifname=" + forged + "\tqueue=0").get("reason");
            assertTrue(why.contains("is not an interface name") && why.contains("\\x0a"), why);
            assertFalse(why.contains("\n"), why);
            String filter = ask(sock, "ifname=eth9\tqueue=0\tring=256\tframes=512\tfilter=udp \u001b[2J port")
                .get("reason");
            assertTrue(filter.contains("\\x1b"), filter);
            for (String line : logged) {
                assertFalse(line.contains("\n") || line.contains("\u001b"), "a log line carries client text as is: " + line);
            }
            assertTrue(logged.stream().anyMatch(l -> l.contains("\\x0azcnbrhd: uid 0")), String.valueOf(logged));
        } finally {
            log.removeHandler(capture);
            remove(sock);
        }
    }

    @Test
    void descriptorsAClientSendsAreClosedAndASilentClientIsCutOff() throws Exception {
        Path sock = socketPath();
        DaemonLimits limits = new DaemonLimits(8, 4, Duration.ofMillis(300), Duration.ofSeconds(30));
        try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":zcnbrh-none0@0")), limits,
                why -> { })) {
            List<Mapping> memfds = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                memfds.add(Mapping.memfd(FLOOD_TAG, 4096, PageSize.BASE, -1));
            }
            int[] fds = memfds.stream().mapToInt(Mapping::fd).toArray();
            long ours = openDescriptorsNamed(FLOOD_TAG);
            for (int round = 0; round < 20; round++) {
                // a request with 8 descriptors, and a "ready" with 8 more on a connection that is then refused
                try (UnixSocket c = UnixSocket.connect(sock.toString())) {
                    c.send("ifname=eth9\tqueue=0".getBytes(StandardCharsets.UTF_8), fds);
                    assertEquals("refused", reply(c).get("status"));
                }
            }
            assertEquals(ours, openDescriptorsNamed(FLOOD_TAG), "the daemon kept copies of what clients sent");
            memfds.forEach(Mapping::close);
            assertEquals(0, openDescriptorsNamed(FLOOD_TAG));
            // a client that connects and never speaks is cut off after the request timeout, not served for ever
            try (UnixSocket silent = UnixSocket.connect(sock.toString())) {
                silent.receiveTimeout(20_000);
                assertNull(silent.receive(64), "the daemon ended the silent connection");
            }
            assertNull(daemon.failure());
        } finally {
            remove(sock);
        }
    }

    @Test
    void connectionsAreBoundedPerUidAndInTotalAndTheDaemonGoesOnServing() throws Exception {
        Path sock = socketPath();
        DaemonLimits limits = new DaemonLimits(3, 2, Duration.ofSeconds(30), Duration.ofSeconds(30));
        try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":zcnbrh-none0@0")), limits,
                why -> { })) {
            UnixSocket a = UnixSocket.connect(sock.toString());
            UnixSocket b = UnixSocket.connect(sock.toString());
            String why = reply(UnixSocket.connect(sock.toString())).get("reason");
            assertTrue(why != null && why.contains("uid " + ME + " has 2 connections open"), why);
            a.close();
            b.close();
            // once those are gone, the same user is served again
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String answer;
            do {
                answer = ask(sock, "ifname=eth9\tqueue=0").get("reason");
            } while (answer.contains("connections open") && System.nanoTime() < deadline);
            assertTrue(answer.contains("has no grant for eth9@0"), answer);
            assertThrows(IllegalArgumentException.class, () -> new DaemonLimits(1, 2, Duration.ZERO, Duration.ZERO));
        } finally {
            remove(sock);
        }
    }

    @Test
    void aDaemonThatCanNoLongerAcceptSaysSoAndEnds() throws Exception {
        Path sock = socketPath();
        List<String> fatal = new CopyOnWriteArrayList<>();
        try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":eth9@0")),
                DaemonLimits.defaults(), fatal::add)) {
            daemon.listener().shutdown(); // accept(2) now fails with EINVAL: nothing will ever connect again
            while (fatal.isEmpty()) {
                Thread.sleep(10);
            }
            assertTrue(fatal.get(0).contains("accept(2)") && fatal.get(0).contains("EINVAL"), fatal.get(0));
            assertEquals(fatal.get(0), daemon.failure());
        } finally {
            remove(sock);
        }
    }

    @Test
    void aReceiveOnlyTenantCannotPutAFrameOnTheWireAndATransmitGrantCan() throws Exception {
        Path sock = socketPath();
        try (VethPair veth = new VethPair();
             FrameCounter far = FrameCounter.attach(veth.netns, veth.inner, "udp")) {
            PortConfig config = PortConfig.builder().daemon(DaemonOptions.at(sock.toString())).ringSize(256).frameCount(512).build();
            byte[] frame = veth.udpFrameToOuter(64, 9000);
            try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":" + veth.outer + "@0")));
                 Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", config)) {
                ZcnbrhException e = assertThrows(ZcnbrhException.class, port::claim);
                assertTrue(e.getMessage().contains("receive-only") && e.getMessage().contains("tx"), e.getMessage());
                assertThrows(ZcnbrhException.class, () -> port.claim(new Packet[4], 4));
                assertTrue(((AfXdpPort) port).modeLine().contains("receive-only"));
                int fd = ((AfXdpPort) port).socket().fd();
                try (Arena a = Arena.ofConfined()) {
                    // the kernel sizes rings only before bind (xsk_setsockopt: EBUSY once bound)
                    MemorySegment v = a.allocate(JAVA_INT);
                    v.set(JAVA_INT, 0, 256);
                    assertEquals(-Errno.EBUSY, Libc.setsockopt(fd, 283 /* SOL_XDP */, 3 /* XDP_TX_RING */, v));
                    // there is no TX ring to map (xsk_mmap: EINVAL without xs->tx)
                    SyscallException noRing = assertThrows(SyscallException.class, () -> Libc.mmap(4096,
                        Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd, 0x80000000L, "TX ring", x -> ""));
                    assertEquals(Errno.EINVAL, noRing.errno());
                    // and a kick sends nothing
                    Libc.kick(fd, 0x40, Libc.newCallState(a));
                }
                port.flush();
                assertEquals(1, daemon.liveClients());
            }
            assertEquals(0, far.frames(), "a receive-only tenant put frames on the wire");
            // the control: the same request under a grant that says tx transmits
            try (Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":" + veth.outer + "@0 tx")));
                 Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", config)) {
                for (int i = 0; i < 10; i++) {
                    Packet p = port.claim();
                    MemorySegment.copy(frame, 0, p.segment(), JAVA_BYTE, 0, frame.length);
                    assertTrue(port.transmit(p, frame.length));
                }
                port.flush();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (far.frames() < 10 && System.nanoTime() < deadline) {
                    port.flush();
                    Thread.sleep(5);
                }
                assertEquals(10, far.frames());
                assertFalse(((AfXdpPort) port).modeLine().contains("receive-only"));
                // the daemon stops: a port that only transmits learns it at its next transmit, not never
                daemon.close();
                Packet last = port.claim();
                long deadline2 = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                ZcnbrhException lost = null;
                while (lost == null && System.nanoTime() < deadline2) {
                    try {
                        port.transmit(last, frame.length);
                        last = port.claim();
                    } catch (ZcnbrhException e) {
                        lost = e;
                    }
                }
                assertTrue(lost != null && lost.getMessage().contains(DaemonClient.LEASE_LOST), String.valueOf(lost));
            }
        } finally {
            remove(sock);
        }
    }

    @Test
    void aQueueIsNotFreeWhileAFormerTenantKeepsItsSocket() throws Exception {
        Path sock = socketPath();
        try (VethPair veth = new VethPair();
             Zcnbrhd daemon = Zcnbrhd.start(sock.toString(), Policy.of(Grant.parse(ME + ":" + veth.outer + "@*")))) {
            String request = "ifname=" + veth.outer + "\tqueue=0\tring=256\tframes=512";
            int kept;
            try (UnixSocket c = UnixSocket.connect(sock.toString())) {
                c.send(request.getBytes(StandardCharsets.UTF_8));
                c.receiveTimeout(20_000);
                UnixSocket.Message m = c.receive(4096);
                assertEquals("ok", Protocol.parse(new String(m.data(), StandardCharsets.UTF_8)).get("status"));
                kept = m.fds()[0];
                Libc.close(m.fds()[1]);
                c.send("ready".getBytes(StandardCharsets.US_ASCII));
            } // the connection ends; the socket stays open here
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                String why;
                do { // until the daemon has seen the connection end (until then the tenant holds the queue anyway)
                    Map<String, String> r = ask(sock, request);
                    why = r.getOrDefault("reason", "no reason: " + r);
                } while (why.contains("is taken by pid") && System.nanoTime() < deadline);
                assertTrue(why != null && why.contains("is still open in pid [" + ProcessHandle.current().pid() + "]") && why.contains("kept its socket"), why);
            } finally {
                Libc.close(kept);
            }
            try (Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", PortConfig.builder()
                    .daemon(DaemonOptions.at(sock.toString())).ringSize(256).frameCount(512).build())) {
                assertNotNull(port, "the queue is served again once the kept socket is closed");
            }
        } finally {
            remove(sock);
        }
    }

    @Test
    void aGrantsFramesAreCountedOverAllOfItsConnections() throws Exception {
        Path sock = socketPath();
        try (VethPair veth = new VethPair();
             Zcnbrhd daemon = Zcnbrhd.start(sock.toString(),
                 Policy.of(Grant.parse(ME + ":" + veth.outer + "@* frames=1024")))) {
            PortConfig config = PortConfig.builder().daemon(DaemonOptions.at(sock.toString())).ringSize(256).frameCount(768).build();
            try (Port first = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", config)) {
                String why = ask(sock, "ifname=" + veth.outer + "\tqueue=1\tring=256\tframes=512").get("reason");
                assertTrue(why.contains("allows 1024 frames for uid:" + ME + " in all")
                    && why.contains("hold 768"), why);
            }
            // all given back when the first port closed: the same request passes the frame check now
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String why;
            do {
                why = ask(sock, "ifname=" + veth.outer + "\tqueue=1\tring=256\tframes=512").getOrDefault("reason", "");
            } while (why.contains("in all") && System.nanoTime() < deadline);
            assertFalse(why.contains("frames"), why);
        } finally {
            remove(sock);
        }
    }

    @Test
    void aClientWhoseHeadroomIsNotTheDaemonsReceivesEveryFrame() throws Exception {
        // the daemon binds with no UMEM headroom; this client expects 256 more bytes before each packet. A packet
        // at another place in its frame than the configured one was refused and its frame never refilled, so
        // reception stopped after a ring's worth
        Path sock = socketPath();
        try (VethPair veth = new VethPair().withUdpPath();
             Zcnbrhd daemon = Zcnbrhd.start(sock.toString(),
                 Policy.of(Grant.parse(ME + ":" + veth.outer + "@0 filter=udp dst port 9000")));
             Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", PortConfig.builder().daemon(DaemonOptions.at(sock.toString()))
                 .ringSize(64).frameCount(128).headroom(512).build())) {
            long sent = 0;
            long got = 0;
            for (int round = 0; round < 6; round++) { // 6 x 50 frames through 64 receive frames: each refilled
                long now = io.zcnbrh.traffic.UdpFlow.send(veth.netns, veth.outerIp, 9000, 50, 64,
                    java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50));
                sent += now;
                long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (got < sent && System.nanoTime() < until) {
                    Packet p = port.poll();
                    if (p == null) {
                        port.awaitPackets(1_000_000);
                        continue;
                    }
                    assertEquals(9000, Short.toUnsignedInt(p.segment().get(java.lang.foreign.ValueLayout
                        .JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 36)),
                        "the packet's own bytes, from its real start");
                    got++;
                    port.release(p);
                }
            }
            assertEquals(sent, got, port.counters() + " " + port.audit());
            assertEquals(0, port.counters().get(io.zcnbrh.Counter.INVALID_DESCRIPTORS));
        } finally {
            remove(sock);
        }
    }
}
