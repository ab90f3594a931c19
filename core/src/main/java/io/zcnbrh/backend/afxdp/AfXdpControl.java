package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.ErrnoHint;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.zcnbrh.sys.SocketFlags.SOL_SOCKET;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * AF_XDP's set-up calls, kept apart from the data plane (as libxdp keeps them apart from xsk.h's ring functions):
 * UMEM headroom, attaching the program (native, falling back to generic, announced), a socket into the XSKMAP, busy
 * polling, the copy-mode send buffer, and closing what a failed open left.
 */
final class AfXdpControl {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.afxdp");
    private static final ErrnoHint BUSY_POLL_PERMISSION =
        e -> e == Errno.EPERM ? "raising busy-poll settings needs CAP_NET_ADMIN" : "";
    private static final int SO_SNDBUF = 7;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_BUSY_POLL = 46;
    private static final int SO_PREFER_BUSY_POLL = 69;
    private static final int SO_BUSY_POLL_BUDGET = 70;

    private AfXdpControl() {
    }

    /**
     * The UMEM headroom to register: the configured headroom is where packet data starts in a frame, and the kernel
     * always adds XDP_PACKET_HEADROOM, so anything above 256 becomes UMEM headroom (af_xdp.rst, XDP_UMEM_REG).
     */
    static int umemHeadroom(PortConfig config) {
        if (config.headroom() < IfXdp.XDP_PACKET_HEADROOM) {
            throw new IllegalArgumentException("AF_XDP frames start at least " + IfXdp.XDP_PACKET_HEADROOM
                + " bytes in (XDP_PACKET_HEADROOM); headroom " + config.headroom() + " is too small");
        }
        return config.headroom() - IfXdp.XDP_PACKET_HEADROOM;
    }

    /** Attaches {@code prog}; a driver without native XDP (EOPNOTSUPP) gets generic XDP, with a warning. */
    static XdpAttachment attach(BpfProgram prog, String ifname, XdpMode mode) {
        try {
            return XdpAttachment.attach(prog, ifname, mode);
        } catch (SyscallException e) {
            if (mode == XdpMode.DRIVER && e.errno() == Errno.EOPNOTSUPP) {
                LOG.log(System.Logger.Level.WARNING, "{0} has no native XDP ({1}); using generic (SKB) XDP", ifname,
                    e.getMessage());
                return XdpAttachment.attach(prog, ifname, XdpMode.SKB);
            }
            throw e;
        }
    }

    /** Puts socket {@code fd} into {@code map} at {@code queue} (the XSKMAP slot the redirect program uses). */
    static void setSocket(BpfMap map, int queue, int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, queue);
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, fd);
            map.update(k, v, BpfMap.ANY);
        }
    }

    /** SO_PREFER_BUSY_POLL, SO_BUSY_POLL and SO_BUSY_POLL_BUDGET as configured (nothing when busy polling is off). */
    static void applyBusyPoll(int fd, PortConfig config) {
        if (config.afXdp().busyPollMicros() == 0) {
            return;
        }
        Libc.setsockoptInt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, config.afXdp().preferBusyPoll() ? 1 : 0,
            "SO_PREFER_BUSY_POLL", BUSY_POLL_PERMISSION);
        Libc.setsockoptInt(fd, SOL_SOCKET, SO_BUSY_POLL, config.afXdp().busyPollMicros(), "SO_BUSY_POLL",
            BUSY_POLL_PERMISSION);
        if (config.afXdp().busyPollBudget() > 0) {
            Libc.setsockoptInt(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, config.afXdp().busyPollBudget(),
                "SO_BUSY_POLL_BUDGET", BUSY_POLL_PERMISSION);
        }
    }

    /**
     * SO_SNDBUFFORCE where the process may (CAP_NET_ADMIN), else SO_SNDBUF (capped by net.core.wmem_max); returns
     * the buffer the kernel reports (socket(7): it doubles the value asked for its bookkeeping).
     */
    static int raiseSendBuffer(int fd, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, bytes);
            if (Libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, v) != 0) {
                Libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, v);
            }
            v.set(JAVA_INT, 0, 0);
            return Libc.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, v) >= 0 ? v.get(JAVA_INT, 0) : 0;
        }
    }

    /** Closes each non-null resource, ignoring failures: for cleaning up after a failed open. */
    static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r != null) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // closing after a failed open: the first error is the one to report
                }
            }
        }
    }

    /** Ethernet header plus one VLAN tag: what a frame adds to the MTU on the wire (if_ether.h ETH_HLEN, VLAN_HLEN). */
    static final int LINK_OVERHEAD = 14 + 4;

    /**
     * Whether a socket on {@code ifname} is bound for multi-buffer packets: by the configured choice, and in AUTO
     * mode when the interface's MTU plus {@link #LINK_OVERHEAD} exceeds what one frame holds (frame size minus
     * headroom), announced. OFF on such an interface is refused with what to change: the kernel would drop every
     * packet larger than a frame without a word (af_xdp.rst: without XDP_USE_SG "such frames will be dropped").
     */
    static boolean multiBuffer(String ifname, PortConfig config) {
        int holds = config.frameSize() - config.headroom();
        int mtu = Libc.interfaceMtu(ifname);
        boolean needed = mtu + LINK_OVERHEAD > holds;
        return switch (config.afXdp().multiBuffer()) {
            case ON -> true;
            case OFF -> {
                if (needed) {
                    throw new IllegalArgumentException(ifname + " has MTU " + mtu + ": frames of up to "
                        + (mtu + LINK_OVERHEAD) + " bytes do not fit the " + holds + " bytes a frame holds (frame size "
                        + config.frameSize() + " minus headroom " + config.headroom() + "), and multi-buffer is off; "
                        + "allow it (AfXdpOptions.withMultiBuffer(AUTO)), use 4096-byte frames, or lower the MTU (ip "
                        + "link set " + ifname + " mtu " + (holds - LINK_OVERHEAD) + ")");
                }
                yield false;
            }
            case AUTO -> {
                if (needed) {
                    LOG.log(System.Logger.Level.INFO, "{0} has MTU {1}: frames of up to {2} bytes do not fit the {3} "
                        + "bytes a frame holds, so the socket takes multi-buffer packets (XDP_USE_SG: a larger packet "
                        + "arrives as a chain of frames)", ifname, Integer.toString(mtu), Integer.toString(mtu + LINK_OVERHEAD),
                        Integer.toString(holds));
                }
                yield needed;
            }
        };
    }
}
