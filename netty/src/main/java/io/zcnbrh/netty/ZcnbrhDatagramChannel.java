package io.zcnbrh.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.zcnbrh.Packet;
import io.zcnbrh.udp.UdpDatagram;
import io.zcnbrh.udp.UdpDatagramHandler;
import io.zcnbrh.udp.UdpSocket;
import io.zcnbrh.udp.Wakeup;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A Netty {@link DatagramChannel} over a zcnbrh port, driven by {@link ZcnbrhIoHandler}: bound to an address of the
 * port's interface, it reads the datagrams to that address and port as {@link DatagramPacket}s whose content is
 * the received frame itself (a ByteBuf over the payload in the UMEM: no copy, nothing from a pool; releasing the
 * buffer gives the frame back to the port), and writes DatagramPackets (or ByteBufs, once connected) by copying them
 * into claimed frames with Ethernet, IP and UDP headers. Underneath is a {@link UdpSocket}: everything else on the
 * interface goes on to the kernel stack, and the next hop's MAC comes from the kernel's neighbour table.
 *
 * <pre>
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ZcnbrhIoHandler.newFactory());   // was: NioIoHandler
 * new Bootstrap().group(group)
 *     .channel(ZcnbrhDatagramChannel.class)                                                  // was: NioDatagramChannel
 *     .option(ZcnbrhChannelOption.PORT_SPEC, "afxdp:eth1@0")
 *     .handler(new MyUdpHandler())                                                           // unchanged
 *     .bind(new InetSocketAddress("10.0.0.2", 9000));
 * </pre>
 *
 * <p>Not offered: multicast (joinGroup and the like fail with the reason) and broadcast; the socket options of a
 * kernel DatagramChannel are kept and reported but reach no socket buffer (the fast path has rings).
 */
public final class ZcnbrhDatagramChannel extends AbstractChannel implements DatagramChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(true, 64);
    private final ZcnbrhDatagramChannelConfig config = new ZcnbrhDatagramChannelConfig(this);
    private final Handle handle = new Handle();
    /** Frames whose buffers were released on another thread, given back to the port on the event loop. */
    private final Queue<Packet> releasedElsewhere = new ConcurrentLinkedQueue<>();
    private final UdpDatagramHandler read = this::read;
    private volatile UdpSocket socket;
    private volatile InetSocketAddress remote;
    private volatile boolean open = true;
    private boolean reading;
    private boolean writePending;
    private IoRegistration registration;
    /** Each frame's buffer, by frame index (see {@link FrameByteBuf}); touched on the event loop only. */
    private FrameByteBuf[] frameBuffers = new FrameByteBuf[0];
    /** Datagrams dropped while connected because another address sent them. */
    private long notFromPeer;
    /** The socket's counters as it closed. */
    private volatile UdpSocket.Stats closedStats;

    /** A channel whose port spec comes from {@link ZcnbrhChannelOption#PORT_SPEC}. */
    public ZcnbrhDatagramChannel() {
        super(null);
    }

    /** A channel over the port {@code portSpec} ({@code afxdp:eth1@0}). */
    public ZcnbrhDatagramChannel(String portSpec) {
        this();
        config.setOption(ZcnbrhChannelOption.PORT_SPEC, portSpec);
    }

    @Override
    public ZcnbrhDatagramChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() { // active on registration: the first send binds (see doWrite)
        return open && (socket != null || config.isActiveOnRegistration() && isRegistered());
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isConnected() {
        return remote != null;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    /** Datagrams dropped while the channel was connected because they came from another address than its peer. */
    public long notFromConnectedPeer() {
        return notFromPeer;
    }

    /**
     * What went which way (the port's fast path or the kernel socket beside it), also after close: the counters as
     * the socket closed. Null before the channel was bound. Read it on the event loop for exact figures.
     */
    public UdpSocket.Stats stats() {
        UdpSocket s = socket;
        return s != null ? s.stats() : closedStats;
    }

    /** The UDP socket under the channel once bound (its port, counters, what went through the kernel), or null. */
    public UdpSocket socket() {
        return socket;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop l && l.isCompatible(Handle.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        UdpSocket s = socket;
        return s == null ? null : s.localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register(handle).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    @Override
    protected void doDeregister() {
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
    }

    /**
     * Binds the socket: to an address of the port's interface, or to a wildcard ({@code bind(port)}, {@code
     * 0.0.0.0}), which takes the interface's own address (see {@link UdpSocket#open}); port 0 picks a free one.
     */
    @Override
    protected void doBind(SocketAddress localAddress) {
        String spec = config.portSpec();
        if (spec == null) {
            throw new IllegalStateException("a ZcnbrhDatagramChannel needs its port: bootstrap.option("
                + "ZcnbrhChannelOption.PORT_SPEC, \"afxdp:eth1@0\") or new ZcnbrhDatagramChannel(\"afxdp:eth1@0\")");
        }
        if (!(localAddress instanceof InetSocketAddress local)) {
            throw new IllegalArgumentException("a ZcnbrhDatagramChannel binds to an InetSocketAddress, not "
                + localAddress);
        }
        socket = UdpSocket.open(spec, local, config.portConfig());
    }

    @Override
    protected void doDisconnect() {
        remote = null;
    }

    @Override
    protected void doClose() {
        open = false;
        UdpSocket s = socket;
        socket = null;
        if (s != null) {
            closedStats = s.stats();
            giveBackReleased(s);
            s.close(); // frames still held by the application are freed with the UMEM; their buffers then throw
        }
    }

    @Override
    protected void doBeginRead() {
        reading = true;
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof DatagramPacket || msg instanceof ByteBuf) {
            return msg;
        }
        throw new UnsupportedOperationException("a ZcnbrhDatagramChannel writes DatagramPacket, or ByteBuf once "
            + "connected; not " + msg.getClass().getName());
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        UdpSocket s = socket;
        try {
            for (Object msg = in.current(); msg != null; msg = in.current()) {
                ByteBuf data = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
                InetSocketAddress to = msg instanceof DatagramPacket p ? p.recipient() : remote;
                if (to == null || to.isUnresolved()) { // this write fails; the channel stays open, as NIO's does
                    in.remove(to == null ? new NotYetConnectedException() : new UnresolvedAddressException());
                    continue;
                }
                if (s == null) { // active on registration, never bound: binds now, as a kernel socket's first send
                    doBind(wildcardFor(to));
                    s = socket;
                }
                int length = data.readableBytes();
                ByteBuffer bytes = data.nioBufferCount() == 1 ? data.internalNioBuffer(data.readerIndex(), length)
                    : data.nioBuffer();
                if (s.send(bytes, to) == 0 && length > 0) {
                    writePending = true; // no free frame: the next turn of the loop tries again
                    return;
                }
                in.remove();
            }
        } finally {
            if (s != null) {
                s.flush();
            }
        }
    }

    /** The wildcard address of {@code to}'s family, port 0: the interface's own address and a free port. */
    private static InetSocketAddress wildcardFor(InetSocketAddress to) throws java.net.UnknownHostException {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[to.getAddress().getAddress().length]), 0);
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
                if (!promise.setUncancellable() || !ensureOpen(promise)) {
                    return;
                }
                try {
                    boolean wasActive = isActive();
                    InetSocketAddress to = (InetSocketAddress) remoteAddress;
                    if (to.isUnresolved()) {
                        throw new UnresolvedAddressException();
                    }
                    if (localAddress != null) {
                        doBind(localAddress);
                    } else if (socket == null) { // as connect(2) binds an unbound socket
                        doBind(wildcardFor(to));
                    }
                    remote = to;
                    promise.setSuccess();
                    if (!wasActive && isActive()) {
                        pipeline().fireChannelActive();
                    }
                } catch (Throwable t) {
                    promise.setFailure(t);
                }
            }
        };
    }

    /** One datagram from the socket: the frame itself wrapped, up the pipeline. */
    private void read(UdpDatagram d) {
        InetSocketAddress peer = remote;
        if (peer != null && !peer.equals(d.sender())) {
            notFromPeer++; // a connected datagram socket hears its peer only (udp(7)); the frame goes back
            return;
        }
        Packet p = d.packet();
        ByteBuf content;
        if (p != null) {
            p.retain(); // the frame stays the application's until the buffer is released
            content = frameBuffer(p, d);
        } else {
            content = config.getAllocator().directBuffer(d.payloadLength()); // the kernel's buffer is reused
            content.writeBytes(d.frame().asSlice(d.payloadOffset(), d.payloadLength()).asByteBuffer());
        }
        pipeline().fireChannelRead(new DatagramPacket(content, localAddress(), d.sender()));
    }

    /** The frame's buffer, lent again (made once per frame and payload offset: nothing allocated per datagram). */
    private FrameByteBuf frameBuffer(Packet p, UdpDatagram d) {
        int f = p.frameIndex();
        if (f >= frameBuffers.length) {
            frameBuffers = java.util.Arrays.copyOf(frameBuffers, Math.max(f + 1, 2 * frameBuffers.length));
        }
        long at = d.frame().address() + d.payloadOffset();
        FrameByteBuf b = frameBuffers[f];
        if (b == null || !b.covers(p, at, d.payloadLength())) {
            MemorySegment view = d.frame().asSlice(d.payloadOffset());
            b = new FrameByteBuf(config.getAllocator(), view.asByteBuffer(), at, this, p);
            frameBuffers[f] = b;
        }
        return b.lend(d.payloadLength());
    }

    /** A frame's buffer was released: back to the port now on the event loop, else on its next turn. */
    void releaseFrame(Packet p) {
        UdpSocket s = socket;
        if (s == null) {
            return; // closed: the port and its frames are gone already
        }
        if (eventLoop().inEventLoop()) {
            s.port().release(p);
        } else {
            releasedElsewhere.add(p);
        }
    }

    private void giveBackReleased(UdpSocket s) {
        for (Packet p = releasedElsewhere.poll(); p != null; p = releasedElsewhere.poll()) {
            s.port().release(p);
        }
    }

    /** What the event loop drives. */
    private final class Handle implements ZcnbrhIoHandle {
        /** A poll that found this many datagrams or more means heavy traffic. */
        private static final int HEAVY = 16;
        private int lastPolled;

        @Override
        public int poll() {
            UdpSocket s = socket;
            if (s == null) {
                return 0;
            }
            giveBackReleased(s);
            if (writePending) {
                writePending = false;
                unsafe().flush();
            }
            if (!reading) {
                return 0;
            }
            int n;
            try {
                n = s.receive(read, config.getMaxMessagesPerRead());
                lastPolled = n;
            } catch (RuntimeException e) {
                // the port failed (its interface went away, zcnbrhd revoked it): the pipeline hears why, and the
                // channel closes, as a Netty channel does when its socket fails
                pipeline().fireExceptionCaught(e);
                unsafe().close(unsafe().voidPromise());
                return 1;
            }
            if (n > 0) {
                pipeline().fireChannelReadComplete();
                if (!config.isAutoRead()) {
                    reading = false;
                }
            }
            return n;
        }

        @Override
        public void await(long nanos, Wakeup wakeup) {
            UdpSocket s = socket;
            if (s != null && reading && releasedElsewhere.isEmpty() && !writePending) {
                if (lastPolled >= HEAVY) {
                    // under heavy traffic the port's own wait (a short sleep so the kernel fills the ring, M5) beats a
                    // wake-up per datagram; wakeup() unparks it
                    s.port().awaitPackets(nanos);
                } else {
                    s.await(nanos, wakeup); // light traffic: poll(2) on the port and the wake-up's eventfd
                }
            } else {
                LockSupport.parkNanos(Math.min(nanos, 50_000L));
            }
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            // polled on every turn (poll), never handed events
        }

        @Override
        public void close() {
            unsafe().close(unsafe().voidPromise());
        }
    }

    // ---- multicast: not offered ---------------------------------------------------------------------------------

    private ChannelFuture noMulticast(ChannelPromise promise) {
        promise.setFailure(new UnsupportedOperationException("multicast is not offered by a ZcnbrhDatagramChannel: "
            + "its port's filter selects one unicast address and port; use a kernel DatagramChannel for groups"));
        return promise;
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                   ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source, ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                    ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source, ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock, ChannelPromise promise) {
        return noMulticast(promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock) {
        return noMulticast(newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock, ChannelPromise promise) {
        return noMulticast(promise);
    }
}
