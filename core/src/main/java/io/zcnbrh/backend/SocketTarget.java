package io.zcnbrh.backend;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.ErrnoHint;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static io.zcnbrh.sys.SocketFlags.MSG_DONTWAIT;
import static io.zcnbrh.sys.SocketFlags.SOL_SOCKET;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * What a socket-based port receives: {@code udp:ADDR:PORT[->PEER:PORT]} (a UDP flow: datagram payloads; transmit
 * goes to PEER, or back to the last sender) or {@code raw:IFACE} (every Ethernet frame of the interface, through an
 * AF_PACKET socket). Shared by {@code socket:} and {@code iouring:}.
 */
public record SocketTarget(boolean raw, String ifname, byte[] address, int port, byte[] peer, int peerPort) {
    static final int AF_INET = 2, AF_PACKET = 17, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_NONBLOCK = 04000,
        SOCK_CLOEXEC = 02000000;
    static final int SO_ATTACH_FILTER = 26, SO_DETACH_FILTER = 27, SO_RCVBUF = 8;
    public static final int SOL_PACKET = 263, PACKET_IGNORE_OUTGOING = 23;
    static final int ETH_P_ALL = 0x0003;

    /** Parses the part after the scheme. */
    public static SocketTarget parse(String scheme, String target) {
        if (target.startsWith("raw:")) {
            String ifname = target.substring(4);
            if (ifname.isEmpty()) {
                throw new IllegalArgumentException(scheme + ":raw needs an interface: " + scheme + ":raw:IFACE");
            }
            return new SocketTarget(true, ifname, null, 0, null, 0);
        }
        if (target.startsWith("udp:")) {
            String rest = target.substring(4);
            String local = rest;
            String remote = null;
            int arrow = rest.indexOf("->");
            if (arrow >= 0) {
                local = rest.substring(0, arrow);
                remote = rest.substring(arrow + 2);
            }
            byte[][] l = hostPort(scheme, local);
            byte[][] r = remote == null ? null : hostPort(scheme, remote);
            return new SocketTarget(false, null, l[0], port(l[1]), r == null ? null : r[0], r == null ? 0 : port(r[1]));
        }
        throw new IllegalArgumentException(scheme + " spec needs udp:ADDR:PORT[->PEER:PORT] or raw:IFACE, got '"
            + target + "'");
    }

    private static int port(byte[] b) {
        return (b[0] & 0xff) << 8 | (b[1] & 0xff);
    }

    private static byte[][] hostPort(String scheme, String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(scheme + " spec: '" + s + "' is not ADDR:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(scheme + " spec: the port in '" + s + "' is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(scheme + " spec: port " + port + " is out of range");
        }
        String host = s.substring(0, colon);
        if (!host.matches("[0-9.]+")) {
            throw new IllegalArgumentException(scheme + " spec: '" + host + "' is not an IPv4 address (no name lookups)");
        }
        try {
            InetAddress a = InetAddress.getByName(host);
            if (!(a instanceof Inet4Address)) {
                throw new IllegalArgumentException(scheme + " spec: '" + host + "' is not an IPv4 address");
            }
            return new byte[][] {a.getAddress(), {(byte) (port >> 8), (byte) port}};
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(scheme + " spec: '" + host + "' is not an IPv4 address");
        }
    }

    /**
     * Opens the non-blocking socket. A raw socket is made with protocol 0 (it receives nothing), gets a drop-all
     * classic BPF filter, is bound to the interface with ETH_P_ALL, drained, and only then has the filter removed:
     * no frame of another interface slips in between socket() and bind() (packet(7)).
     */
    public int open() {
        if (raw) {
            int ifindex = Libc.ifindex(ifname);
            int fd = packetSocket();
            try {
                receiveBuffer(fd);
                bindToInterface(fd, ifname, ifindex);
                return fd;
            } catch (RuntimeException e) {
                Libc.close(fd);
                throw e;
            }
        }
        int fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, "UDP", e -> "");
        try {
            receiveBuffer(fd);
            Libc.orThrow(Libc.bind(fd, sockaddrIn(Arena.global(), address, port)), "bind(UDP "
                + addressText(address) + ":" + port + ")", e -> switch (e) {
                    case Errno.EADDRINUSE -> "another socket has this address and port";
                    case 99 -> "no interface here has address " + addressText(address); // EADDRNOTAVAIL
                    case Errno.EACCES -> "ports below 1024 need CAP_NET_BIND_SERVICE";
                    default -> "";
                });
            if (peer != null) {
                Libc.orThrow(Libc.connect(fd, sockaddrIn(Arena.global(), peer, peerPort)), "connect(UDP "
                    + addressText(peer) + ":" + peerPort + ")", ErrnoHint.NONE);
            }
            return fd;
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** A 4 MiB receive buffer: past net.core.rmem_max with CAP_NET_ADMIN (SO_RCVBUFFORCE), else what is allowed. */
    static void receiveBuffer(int fd) {
        try {
            Libc.setsockoptInt(fd, SOL_SOCKET, 33, 4 << 20, "SO_RCVBUFFORCE", ErrnoHint.NONE);
        } catch (SyscallException notPrivileged) {
            Libc.setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, 4 << 20, "SO_RCVBUF", ErrnoHint.NONE);
        }
    }

    /**
     * Frames the kernel dropped for an AF_PACKET socket since the last call: PACKET_STATISTICS (struct tpacket_stats
     * or tpacket_stats_v3; tp_drops is the second u32 in both), which the kernel resets on every read. {@code stats}
     * is a 12-byte buffer the caller keeps, so this allocates nothing.
     */
    public static long packetDrops(int fd, MemorySegment stats) {
        stats.fill((byte) 0);
        int len = Libc.getsockopt(fd, SOL_PACKET, 6, stats);
        return len >= 8 ? Integer.toUnsignedLong(stats.get(JAVA_INT, 4)) : 0;
    }

    /**
     * A non-blocking AF_PACKET raw socket made with protocol 0 (it receives nothing yet), with a drop-all classic
     * BPF filter and outgoing frames ignored: bind it with {@link #bindToInterface}, then {@link #startReceiving}.
     */
    public static int packetSocket() {
        int fd = Libc.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, "AF_PACKET", e ->
            e == Errno.EPERM ? "raw packet sockets need CAP_NET_RAW (run as root or through zcnbrhd)" : "");
        try {
            attachDropAll(fd);
            Libc.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING", ErrnoHint.NONE);
            return fd;
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** The packet(7) steps after bind: drop what the drop-all filter kept out of the queue, then remove it. */
    public void startReceiving(int fd) {
        if (raw) {
            startReceivingRaw(fd);
        }
    }

    /** As {@link #startReceiving}, for any bound AF_PACKET socket. */
    public static void startReceivingRaw(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(2048);
            while (Libc.recv(fd, buf, MSG_DONTWAIT) >= 0) {
                // drain (MSG_DONTWAIT)
            }
            MemorySegment dummy = a.allocate(JAVA_INT);
            Libc.orThrow(Libc.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, dummy), "setsockopt(SO_DETACH_FILTER)",
                ErrnoHint.NONE);
        }
    }

    private static void attachDropAll(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment insn = a.allocate(8, 8);
            insn.set(JAVA_SHORT, 0, (short) 0x06); // BPF_RET | BPF_K, k = 0: accept nothing
            MemorySegment prog = a.allocate(16, 8);
            prog.set(JAVA_SHORT, 0, (short) 1);
            prog.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, insn.address());
            Libc.orThrow(Libc.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog),
                "setsockopt(SO_ATTACH_FILTER, drop all)", ErrnoHint.NONE);
        }
    }

    /** Binds an AF_PACKET socket to {@code ifindex} for every protocol (ETH_P_ALL). */
    public static void bindToInterface(int fd, String ifname, int ifindex) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sll = a.allocate(20, 4);
            sll.set(JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(JAVA_BYTE, 2, (byte) (ETH_P_ALL >> 8));
            sll.set(JAVA_BYTE, 3, (byte) ETH_P_ALL);
            sll.set(JAVA_INT, 4, ifindex);
            Libc.orThrow(Libc.bind(fd, sll), "bind(AF_PACKET " + ifname + ")", e -> e == Errno.ENODEV
                ? "interface " + ifname + " is gone" : e == 100 ? "interface " + ifname + " is down" : "");
        }
    }

    /** A {@code struct sockaddr_in} for {@code addr}:{@code port}. */
    static MemorySegment sockaddrIn(Arena arena, byte[] addr, int port) {
        MemorySegment sa = arena.allocate(16, 4);
        sa.set(JAVA_SHORT, 0, (short) AF_INET);
        sa.set(JAVA_BYTE, 2, (byte) (port >> 8));
        sa.set(JAVA_BYTE, 3, (byte) port);
        MemorySegment.copy(addr, 0, sa, JAVA_BYTE, 4, 4);
        return sa;
    }

    static String addressText(byte[] a) {
        return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }

    /** The spec text after the scheme. */
    public String describe() {
        return raw ? "raw:" + ifname : "udp:" + addressText(address) + ":" + port
            + (peer != null ? "->" + addressText(peer) + ":" + peerPort : "");
    }
}
