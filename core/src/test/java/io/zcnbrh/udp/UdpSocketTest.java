package io.zcnbrh.udp;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UDP socket facade over an AF_XDP port on a veth pair, against a kernel UDP socket in the far namespace: 5000
 * datagrams in order with every byte, replies that reach the peer (so their checksums are right: the peer's stack
 * drops bad ones) after the stack resolved the peer's MAC, a datagram for another port left to the kernel, a
 * fragmented one delivered through the kernel socket, and a vanished interface named in the error.
 */
@Tag("kernel")
class UdpSocketTest {
    private static final int PORT = 9000;
    private static final int PEER_PORT = 7000;

    @Test
    void datagramsArriveInOrderWithEveryByteAndRepliesReachAPeerWhoseMacWasNotKnown() throws Exception {
        int count = 5000;
        try (VethPair veth = new VethPair().withOuterAddress().withUdpPath();
             UdpSocket socket = UdpSocket.open("afxdp:" + veth.outer + "@0",
                 new InetSocketAddress(veth.outerIp, PORT));
             DatagramChannel peer = NetNamespace.call(veth.netns,
                 () -> DatagramChannel.open().bind(new InetSocketAddress(veth.innerIp, PEER_PORT)))) {
            assertTrue(socket.toString().contains("afxdp"), socket.toString());
            AtomicLong received = new AtomicLong();
            Thread sender = Thread.ofPlatform().start(() -> send(peer, veth.outerIp, count, received));
            long[] next = {0};
            long[] bad = {0};
            InetSocketAddress[] from = new InetSocketAddress[1];
            UdpDatagramHandler check = d -> {
                MemorySegment f = d.frame();
                long seq = UdpFlow.sequenceAt(f, d.payloadOffset());
                int expectedLength = 8 + (int) (seq % 1000);
                if (seq != next[0] || d.payloadLength() != expectedLength || d.fromKernel()
                    || !UdpFlow.payloadMatchesAt(f, d.payloadOffset(), d.payloadOffset() + d.payloadLength())) {
                    bad[0]++;
                }
                if (from[0] == null) {
                    from[0] = d.sender();
                }
                next[0] = seq + 1;
                received.incrementAndGet();
            };
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.get() < count && System.nanoTime() < deadline) {
                if (socket.receive(check, 64) == 0) {
                    socket.port().awaitPackets(1_000_000);
                }
            }
            sender.join(5000);
            assertEquals(count, received.get(), "every datagram: " + socket.stats() + " " + socket.port().counters());
            assertEquals(0, bad[0], "in order, every byte, the right lengths, straight from the frames");
            assertEquals(new InetSocketAddress(veth.innerIp, PEER_PORT), from[0]);

            // the peer never sent an ARP request (its neighbour entry for us is permanent): its MAC is not in the
            // kernel's table, so the first reply goes through the kernel socket, which resolves it
            VethPair.ip("neigh", "flush", "dev", veth.outer);
            ByteBuffer reply = ByteBuffer.allocateDirect(100);
            ByteBuffer got = ByteBuffer.allocate(200);
            peer.configureBlocking(false);
            int replies = 200;
            for (int i = 0; i < replies; i++) {
                reply.clear();
                UdpFlow.write(MemorySegment.ofBuffer(reply), i, 100);
                assertEquals(100, socket.send(reply, from[0]));
                assertEquals(100, reply.position(), "the buffer was consumed");
                Thread.sleep(i < 20 ? 5 : 0); // time for the stack's ARP exchange
            }
            socket.flush();
            int arrived = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (arrived < replies && System.nanoTime() < until) {
                got.clear();
                if (peer.receive(got) == null) {
                    Thread.sleep(1);
                    continue;
                }
                assertEquals(100, got.position());
                assertEquals(arrived, UdpFlow.sequenceAt(MemorySegment.ofArray(got.array()), 0), "replies in order");
                arrived++;
            }
            UdpSocket.Stats stats = socket.stats();
            assertEquals(replies, arrived, "every reply reached the peer's socket (checksums valid): " + stats);
            assertTrue(stats.sentByKernel() >= 1 && stats.neighbourMisses() >= 1,
                "the first reply went through the stack, which resolved the MAC: " + stats);
            assertTrue(stats.sent() > replies / 2, "once resolved, replies went the fast way: " + stats);
            assertNull(socket.kernelPathReason(from[0].getAddress()), "resolved now");
            assertEquals(replies, stats.sent() + stats.sentByKernel());
            assertTrue(socket.port().audit().ok(), socket.port().audit().toString());
        }
    }

    @Test
    void anotherPortsTrafficIsLeftToTheKernelAndAFragmentedDatagramComesThroughIt() throws Exception {
        try (VethPair veth = new VethPair().withOuterAddress().withUdpPath();
             UdpSocket socket = UdpSocket.open("afxdp:" + veth.outer + "@0",
                 new InetSocketAddress(veth.outerIp, PORT));
             DatagramChannel other = DatagramChannel.open().bind(new InetSocketAddress(veth.outerIp, PORT + 1));
             DatagramChannel peer = NetNamespace.call(veth.netns,
                 () -> DatagramChannel.open().bind(new InetSocketAddress(veth.innerIp, PEER_PORT)))) {
            ByteBuffer small = ByteBuffer.allocate(32);
            UdpFlow.write(MemorySegment.ofArray(small.array()), 1, 32);
            peer.send(small, new InetSocketAddress(veth.outerIp, PORT + 1));
            other.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(64);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (other.receive(in) == null && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(32, in.position(), "the kernel's socket on another port got its datagram");
            assertNull(socket.receive(ByteBuffer.allocate(64)), "and the UdpSocket did not");

            // 4000 bytes on an MTU of 1500: three IPv4 fragments, which the filter leaves to the kernel; the
            // stack reassembles them for the kernel socket beside the port
            ByteBuffer big = ByteBuffer.allocate(4000);
            UdpFlow.write(MemorySegment.ofArray(big.array()), 7, 4000);
            peer.send(big, new InetSocketAddress(veth.outerIp, PORT));
            ByteBuffer into = ByteBuffer.allocate(8000);
            InetSocketAddress from = socket.receive(into, TimeUnit.SECONDS.toNanos(5));
            assertNotNull(from, "the fragmented datagram arrived: " + socket.stats());
            assertEquals(new InetSocketAddress(veth.innerIp, PEER_PORT), from);
            assertEquals(4000, into.position());
            assertTrue(UdpFlow.payloadMatchesAt(MemorySegment.ofArray(into.array()), 0, 4000), "every byte");
            assertEquals(1, socket.stats().receivedByKernel(), socket.stats().toString());
        }
    }

    @Test
    void wrongUseIsRefusedAndAVanishedInterfaceIsNamed() throws Exception {
        VethPair veth = new VethPair().withOuterAddress().withUdpPath();
        try {
            assertThrows(IllegalArgumentException.class, () -> UdpSocket.open("afxdp:" + veth.outer + "@0",
                InetSocketAddress.createUnresolved("nowhere.invalid", PORT)), "an unresolved address");
            IllegalArgumentException filtered = assertThrows(IllegalArgumentException.class, () -> UdpSocket.open(
                "afxdp:" + veth.outer + "@0", new InetSocketAddress(veth.outerIp, PORT),
                io.zcnbrh.PortConfig.builder().filter("udp").build()));
            assertTrue(filtered.getMessage().contains("filters for its own address"), filtered.getMessage());
            IllegalArgumentException noInterface = assertThrows(IllegalArgumentException.class,
                () -> UdpSocket.open("afxdp:@0", new InetSocketAddress(veth.outerIp, PORT)));
            assertTrue(noInterface.getMessage().contains("needs a port on an interface"), noInterface.getMessage());
            try (UdpSocket socket = UdpSocket.open("afxdp:" + veth.outer + "@0",
                new InetSocketAddress(veth.outerIp, 0))) {
                assertTrue(socket.localAddress().getPort() > 0, "port 0 picked a free port");
                assertNull(socket.receive(ByteBuffer.allocate(100), 2_000_000), "nothing came within 2 ms");
                IllegalArgumentException large = assertThrows(IllegalArgumentException.class, () -> socket.send(
                    ByteBuffer.allocate(70_000), new InetSocketAddress(veth.innerIp, 7000)));
                assertTrue(large.getMessage().contains("at most 65507 bytes"), large.getMessage());
                IllegalArgumentException family = assertThrows(IllegalArgumentException.class,
                    () -> socket.send(ByteBuffer.allocate(8), new InetSocketAddress(InetAddress.getByName("::1"), 1)));
                assertTrue(family.getMessage().contains("address family"), family.getMessage());
                veth.close(); // the interface vanishes under the socket
                RuntimeException gone = assertThrows(RuntimeException.class, () -> {
                    for (int i = 0; i < 100_000; i++) {
                        socket.receive(d -> { }, 64);
                    }
                });
                assertTrue(gone.getMessage().contains(veth.outer), gone.getMessage());
            }
        } finally {
            veth.close();
        }
    }

    /**
     * A wildcard bind takes the interface's own address of the family, read in the calling thread's namespace
     * (java.net.NetworkInterface would read IPv6 addresses of the process's namespace: none for the inner end), and
     * {@code ::} falls back to IPv4 where there is no IPv6 address; an interface without one says what to do.
     */
    @Test
    void aWildcardBindTakesTheInterfacesOwnAddressInTheThreadsNamespace() throws Exception {
        try (VethPair veth = new VethPair().withOuterAddress().withUdpPath().withIpv6();
             VethPair bare = new VethPair()) {
            assertEquals(InetAddress.getByName(veth.innerIp6),
                NetNamespace.call(veth.netns, () -> UdpSocket.addressOf(veth.inner, true)));
            assertEquals(InetAddress.getByName(veth.innerIp),
                NetNamespace.call(veth.netns, () -> UdpSocket.addressOf(veth.inner, false)));
            try (UdpSocket socket = UdpSocket.open("afxdp:" + veth.outer + "@0", new InetSocketAddress(PORT))) {
                assertEquals(new InetSocketAddress(veth.outerIp, PORT), socket.localAddress());
            }
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> UdpSocket.addressOf(bare.outer, true));
            assertTrue(none.getMessage().contains("has no IPv6 or IPv4 address"), none.getMessage());
        }
    }

    /** Sends {@code count} datagrams of 8 + seq % 1000 bytes, at most 512 ahead of what was received. */
    private static void send(DatagramChannel peer, String host, int count, AtomicLong received) {
        try {
            ByteBuffer buf = ByteBuffer.allocateDirect(1100);
            MemorySegment seg = MemorySegment.ofBuffer(buf);
            InetSocketAddress to = new InetSocketAddress(host, PORT);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (int seq = 0; seq < count; seq++) {
                while (seq - received.get() >= 512 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                int length = 8 + seq % 1000;
                UdpFlow.write(seg, seq, length);
                buf.clear().limit(length);
                peer.send(buf, to);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
