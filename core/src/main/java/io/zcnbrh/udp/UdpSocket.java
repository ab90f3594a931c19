package io.zcnbrh.udp;

import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.XdpProgram;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.sys.InterfaceAddresses;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.Neighbours;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A UDP socket over a zero-copy port, for code written against {@link DatagramChannel}: bound to an address of
 * the port's interface, it receives the datagrams to that address and port straight from the port's frames (the
 * XDP program sends only those to the socket: everything else on the interface, ARP and SSH included, goes on to
 * the kernel stack) and sends by writing Ethernet, IP and UDP headers (both checksums) into claimed frames.
 *
 * <pre>
 * try (UdpSocket socket = UdpSocket.open("afxdp:eth1@0", new InetSocketAddress("10.0.0.2", 9000))) {
 *     ByteBuffer buf = ByteBuffer.allocateDirect(2048);
 *     InetSocketAddress from = socket.receive(buf, 1_000_000_000L);   // was: channel.receive(buf)
 *     buf.flip();
 *     socket.send(buf, from);                                          // was: channel.send(buf, from)
 * }
 * </pre>
 *
 * <p>A kernel UDP socket is bound to the same address and port beside the port, and does what the fast path
 * cannot: it receives what the kernel delivers (a fragmented datagram, which the stack reassembles), and it sends
 * when the next hop's MAC address is not in the kernel's neighbour table yet (the stack resolves it, ARP or
 * neighbour discovery, and the datagram is not lost; later sends find the address and go the fast way), when the
 * route leaves through another interface, and when a datagram does not fit in one frame. {@link #stats()} counts
 * both ways. The next hop comes from the kernel's own tables (rtnetlink route and neighbour lookups), asked again
 * every ten seconds and, after a miss, at most every millisecond.
 *
 * <p>One thread uses a socket, as with the port under it. Receiving in place ({@link #receive(UdpDatagramHandler,
 * int)}) allocates nothing per datagram on the fast path.
 */
public final class UdpSocket implements AutoCloseable {
    private static final long NEIGHBOUR_TTL_NANOS = 10_000_000_000L;
    private static final long MISS_RETRY_NANOS = 1_000_000L;
    private static final int MAX_DATAGRAM = 65_507;

    private final Port port;
    private final DatagramChannel kernel;
    private final InetSocketAddress local;
    private final String ifname;
    private final int ifindex;
    private final byte[] localMac;
    private final byte[] localIp;
    private final boolean ipv6;
    private final int headers;
    private final UdpDatagram view = new UdpDatagram(new SenderCache());
    private final ByteBuffer kernelBuffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final MemorySegment kernelSegment = MemorySegment.ofBuffer(kernelBuffer);
    private final Map<InetAddress, NextHop> hops = new HashMap<>();
    private final PacketHandler parse = this::parse;
    private UdpDatagramHandler handler;
    private int delivered;
    private int ipId;
    private long received;
    private long receivedByKernel;
    private long sent;
    private long sentByKernel;
    private long neighbourMisses;
    private long notForThisSocket;
    // receive(ByteBuffer): where the datagram goes and who sent it
    private ByteBuffer copyInto;
    private InetSocketAddress copiedFrom;
    private final UdpDatagramHandler copy = d -> {
        int n = Math.min(d.payloadLength(), copyInto.remaining());
        MemorySegment.copy(d.frame(), d.payloadOffset(), segmentOf(copyInto), copyInto.position(), n);
        copyInto.position(copyInto.position() + n);
        copiedFrom = d.sender();
    };
    /** {@link #await}'s two pollfds and errno buffer, made on first use. */
    private final java.lang.foreign.Arena waitArena = java.lang.foreign.Arena.ofShared();
    private MemorySegment waitFds;
    private MemorySegment waitState;
    private Wakeup waitingWith;
    /** The last buffer given to send or receive, and a segment over all of it: a loop reuses its buffers. */
    private ByteBuffer lastBuffer;
    private MemorySegment lastSegment;

    /** A resolved (or not yet resolved) next hop: its MAC, or null, and when to ask the kernel again. */
    private record NextHop(byte[] mac, byte[] ip, long askAgainAt, String why) {
    }

    /** What went which way: the fast path, or the kernel socket beside it. */
    public record Stats(long received, long receivedByKernel, long sent, long sentByKernel, long neighbourMisses,
                        long notForThisSocket) {
    }

    private UdpSocket(Port port, DatagramChannel kernel, InetSocketAddress local, String ifname) {
        this.port = port;
        this.kernel = kernel;
        this.local = local;
        this.ifname = ifname;
        this.ifindex = Libc.ifindex(ifname);
        this.localMac = Libc.interfaceMac(ifname);
        this.localIp = local.getAddress().getAddress();
        this.ipv6 = local.getAddress() instanceof Inet6Address;
        this.headers = UdpHeaders.ETH + (ipv6 ? UdpHeaders.IPV6 : UdpHeaders.IPV4) + UdpHeaders.UDP;
    }

    /** {@link #open(String, InetSocketAddress, PortConfig)} with the default configuration. */
    public static UdpSocket open(String spec, InetSocketAddress local) {
        return open(spec, local, PortConfig.defaults());
    }

    /**
     * Opens a port by {@code spec} (one that carries Ethernet frames: {@code afxdp:IFACE@Q}, {@code zcnbrhd:},
     * {@code afpacket:}, {@code auto:}) and binds to {@code local}, an address of that interface (port 0 picks a
     * free one). A wildcard address ({@code 0.0.0.0}, {@code ::}, {@code new InetSocketAddress(port)}) stands for
     * the interface's first address of that family ({@code ::} takes an IPv4 one when the interface has no IPv6
     * address beyond link-local), as the socket binds one address: the filter and the source of every sent frame
     * need it; {@link #localAddress()} says which. The port's program is the socket's filter ({@code udp dst port P
     * and dst host A}, unfragmented), so {@code config} must not name a program or filter of its own.
     */
    public static UdpSocket open(String spec, InetSocketAddress local, PortConfig config) {
        if (local.isUnresolved()) {
            throw new IllegalArgumentException("a UdpSocket binds to a resolved address, not " + local);
        }
        if (!(config.program() instanceof XdpProgram.Redirect)) {
            throw new IllegalArgumentException("a UdpSocket's port filters for its own address and port; "
                + config.program() + " cannot be added to it");
        }
        String ifname = interfaceOf(spec);
        InetAddress address = local.getAddress();
        if (address.isAnyLocalAddress()) {
            local = new InetSocketAddress(addressOf(ifname, address instanceof Inet6Address), local.getPort());
            address = local.getAddress();
        }
        DatagramChannel channel = null;
        Port port = null;
        try {
            channel = DatagramChannel.open(address instanceof Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET);
            channel.bind(local); // the port number is the kernel's too: nobody else can take it, and 0 picks one
            channel.configureBlocking(false);
            InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
            port = Zcnbrh.open(spec, config.toBuilder().filter(filterFor(bound)).build());
            if (port.content() != Port.Content.ETHERNET_FRAMES) {
                throw new IllegalArgumentException(spec + " carries datagrams, not Ethernet frames: a UdpSocket "
                    + "needs a port with frames (afxdp:, zcnbrhd:, afpacket:); for datagrams use the port itself");
            }
            return new UdpSocket(port, channel, bound, ifname);
        } catch (IOException e) {
            closeQuietly(port, channel);
            throw new UncheckedIOException("UDP socket on " + local + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(port, channel);
            throw e;
        }
    }

    /** The tcpdump expression that selects this socket's datagrams: to its address and port, whole (not fragments). */
    static String filterFor(InetSocketAddress bound) {
        String host = bound.getAddress().getHostAddress();
        int p = bound.getPort();
        String mine = bound.getAddress() instanceof Inet4Address
            ? "ip and ip[6:2] & 0x3fff = 0 and dst host " + host + " and udp dst port " + p
            : "ip6 and ip6[6] = 17 and dst host " + host + " and udp dst port " + p;
        return "(" + mine + ") or (vlan and " + mine + ")";
    }

    /**
     * The interface's first address of the family (for IPv6 not link-local; with none, an IPv4 one, as a dual-stack
     * {@code ::} would also receive IPv4): what a wildcard bind stands for.
     */
    static InetAddress addressOf(String ifname, boolean ipv6) {
        int ifindex = Libc.ifindex(ifname); // throws naming the interface when this namespace has none
        if (ipv6) {
            List<InetAddress> v6 = InterfaceAddresses.of(ifindex, true);
            if (!v6.isEmpty()) {
                return v6.getFirst();
            }
        }
        List<InetAddress> v4 = InterfaceAddresses.of(ifindex, false);
        if (v4.isEmpty()) {
            throw new IllegalArgumentException(ifname + " has no " + (ipv6 ? "IPv6 or IPv4" : "IPv4") + " address "
                + "for a wildcard bind: add one (ip addr add 10.0.0.2/24 dev " + ifname + ") or bind to an address");
        }
        return v4.getFirst();
    }

    private static String interfaceOf(String spec) {
        int colon = spec.indexOf(':');
        String target = colon < 0 ? spec : spec.substring(colon + 1);
        int at = target.indexOf('@');
        String ifname = at < 0 ? target : target.substring(0, at);
        if (ifname.isEmpty()) {
            throw new IllegalArgumentException("a UdpSocket needs a port on an interface, such as afxdp:eth1@0; got '"
                + spec + "'");
        }
        return ifname;
    }

    // ---- receive ------------------------------------------------------------------------------------------------

    /**
     * Hands up to {@code max} waiting datagrams to {@code h}, each seen in place; returns how many (0: none waiting).
     * Never blocks. Datagrams the kernel delivered (fragmented ones) come after the port's.
     */
    public int receive(UdpDatagramHandler h, int max) {
        handler = h;
        delivered = 0;
        try {
            port.poll(parse, max);
            while (delivered < max && fromKernel(h)) {
                delivered++;
            }
            return delivered;
        } finally {
            handler = null;
        }
    }

    /**
     * As {@link DatagramChannel#receive} on a non-blocking channel: copies the next datagram into {@code dst} (what
     * does not fit is dropped, as there) and returns its sender, or null when none is waiting.
     */
    public InetSocketAddress receive(ByteBuffer dst) {
        copyInto = dst;
        copiedFrom = null;
        try {
            receive(copy, 1);
            return copiedFrom;
        } finally {
            copyInto = null;
        }
    }

    /** As {@link #receive(ByteBuffer)}, waiting up to {@code timeoutNanos} for a datagram; null when none came. */
    public InetSocketAddress receive(ByteBuffer dst, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            InetSocketAddress from = receive(dst);
            long left = deadline - System.nanoTime();
            if (from != null || left <= 0) {
                return from;
            }
            port.awaitPackets(Math.min(left, MISS_RETRY_NANOS)); // the kernel socket is looked at every millisecond
        }
    }

    /**
     * Waits up to {@code timeoutNanos} (rounded up to whole milliseconds) for a datagram at the port, or until
     * {@code wakeup} is woken, whichever comes first: poll(2) on the port's descriptor and the wake-up's eventfd. A
     * port without a descriptor waits its own way for at most 50 us. Datagrams the kernel socket receives do not end
     * the wait; the caller polls again within the timeout. For an event loop (ZcnbrhIoHandler).
     */
    public void await(long timeoutNanos, Wakeup wakeup) {
        int fd = port.pollFd();
        if (fd < 0) {
            port.awaitPackets(Math.min(timeoutNanos, 50_000L));
            return;
        }
        port.flush();
        if (waitFds == null || waitingWith != wakeup) { // made once per wake-up: poll(2) leaves fd and events alone
            waitFds = Libc.newPollFds(waitArena, fd, wakeup.fd());
            waitState = waitState == null ? Libc.newCallState(waitArena) : waitState;
            waitingWith = wakeup;
        }
        Libc.poll(waitFds, 2, (int) Math.max(1, (timeoutNanos + 999_999) / 1_000_000), waitState);
        if (Libc.revents(waitFds, 1) != 0) {
            wakeup.drain();
        }
    }

    private void parse(Packet p) {
        MemorySegment frame = p.segment();
        int length = p.length();
        if (p.next() != null) { // a multi-buffer packet (jumbo frames): read from one piece
            length = p.copyTo(kernelSegment, 0);
            frame = kernelSegment;
        }
        if (UdpHeaders.parse(frame, length, local.getPort(), view)) {
            view.packet(frame == kernelSegment ? null : p);
            received++;
            delivered++;
            handler.onDatagram(view);
        } else {
            notForThisSocket++; // a frame the filter let through that is not a whole datagram to this socket
        }
    }

    private boolean fromKernel(UdpDatagramHandler h) {
        try {
            kernelBuffer.clear();
            InetSocketAddress from = (InetSocketAddress) kernel.receive(kernelBuffer);
            if (from == null) {
                return false;
            }
            receivedByKernel++;
            view.fromKernel(kernelSegment, kernelBuffer.position(), from);
            h.onDatagram(view);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("receive on the kernel socket beside " + port.spec() + ": "
                + e.getMessage(), e);
        }
    }

    // ---- send ---------------------------------------------------------------------------------------------------

    /**
     * Sends the bytes of {@code src} from its position to its limit to {@code target}, as
     * {@link DatagramChannel#send}: returns the bytes sent (all of them), or 0 when the port had no free frame
     * (its backpressure policy said drop; nothing was sent and {@code src} is unchanged).
     */
    public int send(ByteBuffer src, InetSocketAddress target) {
        InetAddress to = target.getAddress();
        if (to == null || (to instanceof Inet6Address) != ipv6) {
            throw new IllegalArgumentException("cannot send to " + target + " from " + local
                + ": a UdpSocket sends in its own address family");
        }
        int length = src.remaining();
        if (length > MAX_DATAGRAM) {
            throw new IllegalArgumentException("a UDP datagram holds at most " + MAX_DATAGRAM + " bytes, was " + length);
        }
        NextHop hop = nextHop(to);
        byte[] mac = hop.mac();
        if (mac == null) {
            return sendByKernel(src, target);
        }
        Packet p = port.claim();
        if (p == null) {
            return 0;
        }
        if (headers + length > p.capacity()) {
            port.release(p);
            return sendByKernel(src, target); // larger than a frame: the stack fragments it
        }
        MemorySegment f = p.segment();
        MemorySegment.copy(segmentOf(src), src.position(), f, headers, length);
        int frameLength = ipv6
            ? UdpHeaders.writeIpv6(f, mac, localMac, localIp, hop.ip(), local.getPort(), target.getPort(), length)
            : UdpHeaders.writeIpv4(f, mac, localMac, localIp, hop.ip(), local.getPort(), target.getPort(), length,
                ipId++);
        if (!port.transmit(p, frameLength)) {
            return 0;
        }
        src.position(src.limit());
        sent++;
        return length;
    }

    /**
     * A segment over the whole of {@code b} (index 0 to its capacity), made once per buffer: a loop that sends from
     * or receives into the same buffer allocates nothing (a segment per call would: 24 bytes, measured).
     */
    private MemorySegment segmentOf(ByteBuffer b) {
        if (b != lastBuffer) {
            // ofBuffer, not the backing array: a read-only heap buffer has none to give (ByteBuffer.array throws)
            lastSegment = MemorySegment.ofBuffer(b.duplicate().clear());
            lastBuffer = b;
        }
        return lastSegment;
    }

    /** Sends what was queued by {@link #send} (the port may hold a batch: {@code PortConfig.txBatch}). */
    public void flush() {
        port.flush();
    }

    private int sendByKernel(ByteBuffer src, InetSocketAddress target) {
        try {
            int n = kernel.send(src, target);
            if (n > 0) {
                sentByKernel++;
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("send to " + target + " through the kernel socket beside " + port.spec()
                + ": " + e.getMessage(), e);
        }
    }

    /**
     * The next hop from the cache (its MAC, null: let the stack send; and the destination's address bytes, since
     * InetAddress.getAddress() copies them on every call), asking the kernel's tables when due.
     */
    private NextHop nextHop(InetAddress to) {
        NextHop hop = hops.get(to);
        long now = System.nanoTime();
        if (hop == null || now - hop.askAgainAt() >= 0) {
            hop = resolve(to, now);
            hops.put(to, hop);
        }
        return hop;
    }

    private NextHop resolve(InetAddress to, long now) {
        Neighbours.Route route = Neighbours.route(to);
        if (route.ifindex() != ifindex) {
            return new NextHop(null, to.getAddress(), now + NEIGHBOUR_TTL_NANOS, "the route to " + to.getHostAddress()
                + " leaves through another interface than " + ifname);
        }
        byte[] mac = Neighbours.linkAddress(ifindex, route.nextHop());
        if (mac == null) {
            neighbourMisses++;
            return new NextHop(null, to.getAddress(), now + MISS_RETRY_NANOS, "no neighbour entry for " + route.nextHop()
                .getHostAddress() + " on " + ifname + " yet");
        }
        return new NextHop(mac, to.getAddress(), now + NEIGHBOUR_TTL_NANOS, null);
    }

    /**
     * Why datagrams to {@code to} go through the kernel socket now (no neighbour entry yet, a route through
     * another interface), or null when they go the fast way or were never sent.
     */
    public String kernelPathReason(InetAddress to) {
        NextHop hop = hops.get(to);
        return hop == null ? null : hop.why();
    }

    // ---- information --------------------------------------------------------------------------------------------

    /** The bound address and port. */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** The port under the socket (its counters, mode, audit). */
    public Port port() {
        return port;
    }

    /** What went the fast way and what went through the kernel socket. */
    public Stats stats() {
        return new Stats(received, receivedByKernel, sent, sentByKernel, neighbourMisses, notForThisSocket);
    }

    @Override
    public String toString() {
        return "UDP " + local + " over " + port.spec() + " (" + port.backend() + ", " + port.mode() + ")";
    }

    /** Closes the port and the kernel socket. */
    @Override
    public void close() {
        closeQuietly(port, kernel, waitArena::close);
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception e) {
                    System.getLogger("io.zcnbrh.udp").log(System.Logger.Level.DEBUG, "closing " + r + ": " + e);
                }
            }
        }
    }
}
