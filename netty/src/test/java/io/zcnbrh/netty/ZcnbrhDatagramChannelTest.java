package io.zcnbrh.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Netty transport on a veth pair, against a kernel UDP socket in the far namespace: a plain Netty echo handler
 * (SimpleChannelInboundHandler) on a ZcnbrhDatagramChannel sees every one of 5000 datagrams in order, each
 * DatagramPacket's content lying in the UMEM itself, and its echoes reach the peer with every byte; buffers released
 * on another thread give their frames back; what the channel does not offer fails with the reason.
 */
@Tag("kernel")
class ZcnbrhDatagramChannelTest {
    private static final int PORT = 9000;
    private static final int PEER_PORT = 7000;
    private VethPair veth;
    private EventLoopGroup group;

    @BeforeEach
    void setUp() {
        veth = new VethPair().withOuterAddress().withUdpPath();
        group = new MultiThreadIoEventLoopGroup(1, ZcnbrhIoHandler.newFactory());
    }

    @AfterEach
    void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        veth.close();
    }

    /** Echoes every datagram and notes whether its content was the frame in the UMEM. */
    private static final class Echo extends SimpleChannelInboundHandler<DatagramPacket> {
        final AtomicLong seen = new AtomicLong();
        final AtomicLong notInUmem = new AtomicLong();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf content = packet.content();
            MemorySegment umem = ((AfXdpPort) ((ZcnbrhDatagramChannel) ctx.channel()).socket().port()).frames()
                .memory();
            long at = MemorySegment.ofBuffer(content.internalNioBuffer(content.readerIndex(), content
                .readableBytes())).address();
            if (!content.isDirect() || at < umem.address() || at >= umem.address() + umem.byteSize()) {
                notInUmem.incrementAndGet();
            }
            seen.incrementAndGet();
            ctx.write(new DatagramPacket(content.retain(), packet.sender()));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    private Channel bind(Object handler) throws InterruptedException {
        return bind(handler, io.zcnbrh.PortConfig.defaults());
    }

    private Channel bind(Object handler, io.zcnbrh.PortConfig config) throws InterruptedException {
        return new Bootstrap().group(group)
            .channel(ZcnbrhDatagramChannel.class)
            .option(ZcnbrhChannelOption.PORT_SPEC, "afxdp:" + veth.outer + "@0")
            .option(ZcnbrhChannelOption.PORT_CONFIG, config)
            .handler((io.netty.channel.ChannelHandler) handler)
            .bind(new InetSocketAddress(veth.outerIp, PORT)).sync().channel();
    }

    private static AuditReport audit(Channel ch) throws Exception {
        ZcnbrhDatagramChannel z = (ZcnbrhDatagramChannel) ch;
        return ch.eventLoop().submit(() -> z.socket().port().audit()).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aNettyEchoHandlerSeesEveryDatagramInTheUmemAndItsEchoesReachThePeer() throws Exception {
        Echo echo = new Echo();
        Channel ch = bind(echo);
        assertTrue(ch.isActive());
        assertEquals(new InetSocketAddress(veth.outerIp, PORT), ch.localAddress());
        int count = 5000;
        try (DatagramChannel peer = NetNamespace.call(veth.netns,
            () -> DatagramChannel.open().bind(new InetSocketAddress(veth.innerIp, PEER_PORT)))) {
            peer.configureBlocking(false);
            peer.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20); // 256 echoes in flight fit
            InetSocketAddress server = new InetSocketAddress(veth.outerIp, PORT);
            ByteBuffer out = ByteBuffer.allocateDirect(600);
            ByteBuffer in = ByteBuffer.allocateDirect(2048);
            MemorySegment inSeg = MemorySegment.ofBuffer(in);
            long next = 0;
            long bad = 0;
            StringBuilder badSeen = new StringBuilder();
            int sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (next < count && System.nanoTime() < deadline) {
                if (sent < count && sent - next < 256) {
                    int length = 8 + sent % 500;
                    out.clear().limit(length);
                    UdpFlow.write(MemorySegment.ofBuffer(out), sent, length);
                    peer.send(out, server);
                    sent++;
                    continue;
                }
                in.clear();
                if (peer.receive(in) == null) {
                    Thread.onSpinWait();
                    continue;
                }
                long seq = UdpFlow.sequenceAt(inSeg, 0);
                if (seq != next || in.position() != 8 + (int) (seq % 500)
                    || !UdpFlow.payloadMatchesAt(inSeg, 0, in.position())) {
                    bad++;
                    if (badSeen.length() < 300) {
                        badSeen.append(seq).append("@").append(next).append("/").append(in.position()).append(' ');
                    }
                }
                next = seq + 1;
            }
            assertEquals(count, next, "every echo came back: handler saw " + echo.seen.get() + ", "
                + ((ZcnbrhDatagramChannel) ch).socket().stats());
            assertEquals(0, bad, "in order, every byte: " + badSeen + ((ZcnbrhDatagramChannel) ch).socket().stats());
            assertEquals(count, echo.seen.get());
            assertEquals(0, echo.notInUmem.get(), "each DatagramPacket's content is the frame in the UMEM");
        }
        AuditReport audit = audit(ch);
        assertTrue(audit.ok(), audit.toString());
        assertEquals(0, audit.count(FramePlace.APP), "every frame back from the application: " + audit);
        ch.close().sync();
        assertFalse(ch.isOpen());
    }

    @Test
    void oneAtATimeWithWriteAndFlushInsideTheReadEveryRoundTripCompletes() throws Exception {
        Channel ch = bind(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                ctx.writeAndFlush(new DatagramPacket(packet.content().retain(), packet.sender()));
            }
        });
        try (DatagramChannel peer = NetNamespace.call(veth.netns,
            () -> DatagramChannel.open().bind(new InetSocketAddress(veth.innerIp, PEER_PORT)))) {
            peer.configureBlocking(false);
            InetSocketAddress server = new InetSocketAddress(veth.outerIp, PORT);
            ByteBuffer out = ByteBuffer.allocateDirect(40);
            ByteBuffer in = ByteBuffer.allocateDirect(2048);
            int done = 0;
            for (int i = 1; i <= 300; i++) {
                out.clear();
                UdpFlow.write(MemorySegment.ofBuffer(out), i, 40);
                peer.send(out, server);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() < until) {
                    in.clear();
                    if (peer.receive(in) != null) {
                        if (UdpFlow.sequenceAt(MemorySegment.ofBuffer(in.flip()), 0) == i) {
                            done++;
                            break;
                        }
                    } else {
                        Thread.sleep(0, 100_000);
                    }
                }
            }
            assertEquals(300, done, "every round trip: " + ((ZcnbrhDatagramChannel) ch).socket().stats() + " "
                + ((ZcnbrhDatagramChannel) ch).socket().port().counters());
        } finally {
            ch.close().sync();
        }
    }

    @Test
    void buffersReleasedOnAnotherThreadGiveTheirFramesBack() throws Exception {
        ExecutorService elsewhere = Executors.newSingleThreadExecutor();
        AtomicLong released = new AtomicLong();
        Channel ch = bind(new SimpleChannelInboundHandler<DatagramPacket>(false) {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                elsewhere.execute(() -> {
                    packet.release();
                    released.incrementAndGet();
                });
            }
        }, io.zcnbrh.PortConfig.builder().ringSize(1024).build());
        try {
            int count = 3000; // more than the receive frames of a 1024-entry ring: frames must come back to go on
            try (DatagramChannel peer = NetNamespace.call(veth.netns, DatagramChannel::open)) {
                ByteBuffer out = ByteBuffer.allocateDirect(64);
                InetSocketAddress server = new InetSocketAddress(veth.outerIp, PORT);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                for (int seq = 0; seq < count; seq++) {
                    while (seq - released.get() >= 256 && System.nanoTime() < until) {
                        Thread.onSpinWait(); // at most 256 ahead: the frames, not the sender, are what is tested
                    }
                    out.clear();
                    UdpFlow.write(MemorySegment.ofBuffer(out), seq, 64);
                    peer.send(out, server);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (released.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(20); // the next turns of the event loop give the last ones back
            AuditReport audit = audit(ch);
            assertEquals(count, released.get(), "every datagram arrived, so frames came back to be filled again: "
                + ((ZcnbrhDatagramChannel) ch).socket().stats());
            assertEquals(0, audit.count(FramePlace.APP), "released on another thread, back at the port: " + audit);
            assertTrue(audit.ok(), audit.toString());
        } finally {
            elsewhere.shutdown();
            ch.close().sync();
        }
    }

    @Test
    void otherTrafficGoesToTheKernelAndAVanishedInterfaceClosesTheChannelWithTheReason() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> failure = new java.util.concurrent.CompletableFuture<>();
        AtomicLong seen = new AtomicLong();
        Channel ch = bind(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                seen.incrementAndGet();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                failure.complete(cause);
            }
        });
        // a kernel socket on another port of the same address gets its datagram; the channel does not see it
        try (DatagramChannel other = DatagramChannel.open().bind(new InetSocketAddress(veth.outerIp, PORT + 1));
             DatagramChannel peer = NetNamespace.call(veth.netns, DatagramChannel::open)) {
            peer.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), new InetSocketAddress(veth.outerIp, PORT + 1));
            other.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(16);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (other.receive(in) == null && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(3, in.position(), "the kernel's socket got the datagram for its port");
            assertEquals(0, seen.get(), "and the channel did not");
        }
        veth.close(); // the interface goes away under the channel
        Throwable cause = failure.get(10, TimeUnit.SECONDS);
        assertTrue(cause.getMessage().contains(veth.outer), cause.getMessage());
        assertTrue(ch.closeFuture().await(5, TimeUnit.SECONDS), "the channel closed");
    }

    @Test
    void whatTheChannelDoesNotOfferFailsWithTheReason() throws Exception {
        Channel ch = bind(new Echo());
        ZcnbrhDatagramChannel z = (ZcnbrhDatagramChannel) ch;
        Throwable multicast = z.joinGroup(InetAddress.getByName("239.1.1.1")).await().cause();
        assertTrue(multicast instanceof UnsupportedOperationException && multicast.getMessage().contains("multicast"),
            String.valueOf(multicast));
        assertFalse(z.config().isBroadcast());
        ch.close().sync();

        Throwable noSpec = new Bootstrap().group(group).channel(ZcnbrhDatagramChannel.class).handler(new Echo())
            .bind(new InetSocketAddress(veth.outerIp, PORT)).await().cause();
        assertTrue(noSpec != null && noSpec.getMessage().contains("PORT_SPEC"), String.valueOf(noSpec));
        assertNull(new ZcnbrhDatagramChannel().config().portSpec());
    }

    /** A connected channel hears its peer only (udp(7)): another sender's datagram is dropped and counted. */
    @Test
    void aConnectedChannelHearsItsPeerOnly() throws Exception {
        java.util.concurrent.BlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        Channel ch = bind(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                heard.add(packet.content().toString(java.nio.charset.StandardCharsets.US_ASCII));
            }
        });
        InetSocketAddress server = new InetSocketAddress(veth.outerIp, PORT);
        try (DatagramChannel peer = NetNamespace.call(veth.netns,
                () -> DatagramChannel.open().bind(new InetSocketAddress(veth.innerIp, PEER_PORT)));
             DatagramChannel stranger = NetNamespace.call(veth.netns,
                () -> DatagramChannel.open().bind(new InetSocketAddress(veth.innerIp, PEER_PORT + 1)))) {
            ch.connect(new InetSocketAddress(veth.innerIp, PEER_PORT)).sync();
            assertTrue(((ZcnbrhDatagramChannel) ch).isConnected());
            stranger.send(ByteBuffer.wrap("stranger".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), server);
            peer.send(ByteBuffer.wrap("peer".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), server);
            assertEquals("peer", heard.poll(5, TimeUnit.SECONDS));
            assertEquals(1L, ch.eventLoop().submit(() -> ((ZcnbrhDatagramChannel) ch).notFromConnectedPeer())
                .get(5, TimeUnit.SECONDS), "the stranger's datagram was dropped and counted");
            ch.disconnect().sync();
            stranger.send(ByteBuffer.wrap("again".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), server);
            assertEquals("again", heard.poll(5, TimeUnit.SECONDS), "disconnected, it hears everyone again");
            assertTrue(heard.isEmpty(), heard.toString());
        }
        ch.close().sync();
    }
}
