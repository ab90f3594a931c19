package io.zcnbrh.bpf.link;

import io.zcnbrh.audit.AuditLog;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.sys.BpfCommand;
import io.zcnbrh.bpf.sys.BpfSyscall;
import io.zcnbrh.bpf.sys.LinkCreateAttr;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * An XDP program attached to an interface, detached on close. Attaching uses a BPF link (BPF_LINK_CREATE, Linux
 * 5.9: the attachment belongs to the link fd and dies with it) and falls back to rtnetlink IFLA_XDP on older
 * kernels, with XDP_FLAGS_UPDATE_IF_NOEXIST so that an existing program is never replaced; detaching through
 * netlink names the program it expects to remove (XDP_FLAGS_REPLACE + IFLA_XDP_EXPECTED_FD). An interface that
 * already has an XDP program is reported with that program's id and mode.
 */
public final class XdpAttachment implements AutoCloseable {
    /** XDP_FLAGS_UPDATE_IF_NOEXIST. */
    private static final int UPDATE_IF_NOEXIST = 1;
    /** XDP_FLAGS_REPLACE (Linux 5.7). */
    private static final int REPLACE = 1 << 4;

    /** How the program was attached. */
    public enum Via { LINK, NETLINK }

    private final String ifname;
    private final int ifindex;
    private final XdpMode mode;
    private final BpfProgram program;
    private final Via via;
    private final int linkFd;
    private boolean closed;

    private XdpAttachment(String ifname, int ifindex, XdpMode mode, BpfProgram program, Via via, int linkFd) {
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.mode = mode;
        this.program = program;
        this.via = via;
        this.linkFd = linkFd;
    }

    /** Attaches {@code program} to {@code ifname} in {@code mode}: a BPF link first, rtnetlink when links are missing. */
    public static XdpAttachment attach(BpfProgram program, String ifname, XdpMode mode) {
        if (program.type() != ProgramType.XDP) {
            throw new IllegalArgumentException("only XDP programs attach to interfaces, not " + program.type());
        }
        int ifindex = Libc.ifindex(ifname);
        refuseIfOccupied(ifname, ifindex);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(LinkCreateAttr.SIZE, 8);
            attr.set(JAVA_INT, LinkCreateAttr.PROG_FD, program.fd());
            attr.set(JAVA_INT, LinkCreateAttr.TARGET_IFINDEX, ifindex);
            attr.set(JAVA_INT, LinkCreateAttr.ATTACH_TYPE, LinkCreateAttr.ATTACH_XDP);
            attr.set(JAVA_INT, LinkCreateAttr.FLAGS, mode.flag());
            long rc = BpfSyscall.call(BpfCommand.LINK_CREATE, attr);
            if (rc >= 0) {
                return new XdpAttachment(ifname, ifindex, mode, program, Via.LINK, (int) rc);
            }
            int errno = (int) -rc;
            if (errno == Errno.EINVAL || errno == Errno.ENOSYS || errno == Errno.EOPNOTSUPP && mode == XdpMode.SKB) {
                System.getLogger("io.zcnbrh.bpf").log(System.Logger.Level.INFO,
                    "BPF_LINK_CREATE for XDP on {0} failed with {1}; attaching through rtnetlink instead",
                    ifname, Errno.name(errno));
                return attachNetlink(program, ifname, ifindex, mode);
            }
            throw failure("bpf(BPF_LINK_CREATE XDP " + mode + " on " + ifname + ")", errno, ifname, ifindex, mode);
        }
    }

    /** Attaches through rtnetlink IFLA_XDP only (the fallback; public so tests can drive it on any kernel). */
    public static XdpAttachment attachNetlink(BpfProgram program, String ifname, XdpMode mode) {
        int ifindex = Libc.ifindex(ifname);
        refuseIfOccupied(ifname, ifindex);
        return attachNetlink(program, ifname, ifindex, mode);
    }

    private static XdpAttachment attachNetlink(BpfProgram program, String ifname, int ifindex, XdpMode mode) {
        int errno = RtNetlink.setXdp(ifindex, program.fd(), mode.flag() | UPDATE_IF_NOEXIST, -1);
        if (errno != 0) {
            throw failure("rtnetlink IFLA_XDP " + mode + " on " + ifname, errno, ifname, ifindex, mode);
        }
        return new XdpAttachment(ifname, ifindex, mode, program, Via.NETLINK, -1);
    }

    private static void refuseIfOccupied(String ifname, int ifindex) {
        RtNetlink.XdpState state = RtNetlink.query(ifindex);
        if (state.attached() != 0) {
            XdpMode m = XdpMode.ofAttached(state.attached());
            throw new ZcnbrhException("interface " + ifname + " already has an XDP program (id " + state.programId()
                + ", " + (m == null ? "mode " + state.attached() : m + " mode") + "); Z-CNBRH does not replace it. "
                + "Remove it first (`ip link set dev " + ifname + " xdp off`, or close the application that owns it)");
        }
    }

    private static SyscallException failure(String call, int errno, String ifname, int ifindex, XdpMode mode) {
        String hint = switch (errno) {
            case Errno.EBUSY, Errno.EEXIST -> "interface " + ifname + " already has an XDP program; it is not replaced";
            case Errno.EOPNOTSUPP -> "the driver of " + ifname + " has no " + mode + " XDP; try XdpMode.SKB";
            case Errno.EPERM -> "needs CAP_NET_ADMIN and CAP_BPF (run as root or through zcnbrhd)";
            case Errno.ENODEV -> "interface " + ifname + " (index " + ifindex + ") went away";
            // veth_xdp_set and most drivers: a program that is not frags-aware cannot run where a packet may not
            // fit one page (the MTU)
            case Errno.ERANGE -> "the MTU of " + ifname + " is too large for a program that does not take "
                + "multi-buffer packets: load it frags-aware (BPF_F_XDP_HAS_FRAGS; an object file's program in "
                + "SEC(\"xdp.frags\")), or lower the MTU (ip link set " + ifname + " mtu 1500)";
            default -> BpfSyscall.hint(errno);
        };
        return new SyscallException(call, errno, hint);
    }

    /** The interface name. */
    public String ifname() {
        return ifname;
    }

    /** The interface index. */
    public int ifindex() {
        return ifindex;
    }

    /** The mode asked for. */
    public XdpMode mode() {
        return mode;
    }

    /** How it was attached. */
    public Via via() {
        return via;
    }

    /** The attached program. */
    public BpfProgram program() {
        return program;
    }

    /** What the kernel reports for the interface now: the attached mode's IFLA_XDP_ATTACHED value and program id. */
    public static int[] state(String ifname) {
        RtNetlink.XdpState s = RtNetlink.query(Libc.ifindex(ifname));
        return new int[] {s.attached(), s.programId()};
    }

    /** Detaches: closes the link, or removes exactly our program through rtnetlink. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        AuditLog.change(ifname, "detach", "XDP program " + program.name() + " detached (" + mode + ", "
            + via + ")");
        if (via == Via.LINK) {
            Libc.close(linkFd);
            return;
        }
        int errno = RtNetlink.setXdp(ifindex, -1, mode.flag() | REPLACE, program.fd());
        if (errno != 0 && errno != Errno.ENODEV) {
            throw new SyscallException("rtnetlink IFLA_XDP detach on " + ifname, errno,
                errno == Errno.EEXIST ? "another program replaced ours; it was left alone" : "");
        }
    }

    @Override
    public String toString() {
        return program.name() + " on " + ifname + " (" + mode + ", via " + via + ")";
    }
}
