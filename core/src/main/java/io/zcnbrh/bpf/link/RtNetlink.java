package io.zcnbrh.bpf.link;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.sys.Netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The two rtnetlink requests XDP needs, built by hand (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h):
 * RTM_GETLINK to read an interface's IFLA_XDP (attached mode and program id), and RTM_SETLINK with IFLA_XDP to
 * attach or detach a program on kernels without XDP links. Messages: nlmsghdr (16 bytes), ifinfomsg (16 bytes),
 * then rtattrs {u16 len, u16 type, data} aligned to 4.
 */
final class RtNetlink {
    private static final short RTM_NEWLINK = 16;
    private static final short RTM_GETLINK = 18;
    private static final short RTM_SETLINK = 19;
    private static final short NLM_F_REQUEST = Netlink.NLM_F_REQUEST;
    private static final short NLM_F_ACK = Netlink.NLM_F_ACK;
    private static final short IFLA_XDP = 43;
    private static final short NLA_F_NESTED = (short) 0x8000;
    static final short IFLA_XDP_FD = 1;
    static final short IFLA_XDP_ATTACHED = 2;
    static final short IFLA_XDP_FLAGS = 3;
    static final short IFLA_XDP_PROG_ID = 4;
    static final short IFLA_XDP_EXPECTED_FD = 8;

    /** What IFLA_XDP says about an interface. */
    record XdpState(int attached, int programId) {
    }

    private RtNetlink() {
    }

    private static int header(MemorySegment buf, short type, short flags, int ifindex) {
        Netlink.header(buf, type, flags);
        buf.set(JAVA_BYTE, 16, (byte) 0); // ifi_family AF_UNSPEC
        buf.set(JAVA_INT, 20, ifindex);   // ifi_index
        return 32;
    }

    /** The XDP state of interface {@code ifindex}. */
    static XdpState query(int ifindex) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(64, 8);
            int len = header(req, RTM_GETLINK, NLM_F_REQUEST, ifindex);
            MemorySegment reply = Netlink.exchange(arena, req, len, "read the XDP state of interface " + ifindex);
            short type = Netlink.type(reply);
            if (type == Netlink.NLMSG_ERROR) {
                int err = Netlink.errno(reply);
                throw new SyscallException("rtnetlink RTM_GETLINK(" + ifindex + ")", err,
                    err == Errno.ENODEV ? "no such interface" : "");
            }
            if (type != RTM_NEWLINK) {
                throw new ZcnbrhException("unexpected rtnetlink reply type " + type + " to RTM_GETLINK");
            }
            int end = Netlink.length(reply);
            for (int at = 32; at + 4 <= end; ) {
                int alen = Short.toUnsignedInt(reply.get(JAVA_SHORT, at));
                int atype = reply.get(JAVA_SHORT, at + 2) & 0x3fff;
                if (alen < 4) {
                    break;
                }
                if (atype == IFLA_XDP) {
                    int attached = 0;
                    int progId = 0;
                    for (int in = at + 4; in + 4 <= at + alen; ) {
                        int nlen = Short.toUnsignedInt(reply.get(JAVA_SHORT, in));
                        int ntype = reply.get(JAVA_SHORT, in + 2) & 0x3fff;
                        if (nlen < 4) {
                            break;
                        }
                        if (ntype == IFLA_XDP_ATTACHED) {
                            attached = reply.get(JAVA_BYTE, in + 4);
                        } else if (ntype == IFLA_XDP_PROG_ID) {
                            progId = reply.get(JAVA_INT, in + 4);
                        }
                        in += (nlen + 3) & ~3;
                    }
                    return new XdpState(attached, progId);
                }
                at += (alen + 3) & ~3;
            }
            return new XdpState(0, 0);
        }
    }

    /**
     * RTM_SETLINK with IFLA_XDP {FD = progFd, FLAGS = flags[, EXPECTED_FD = expectedFd]}; returns 0 or the errno.
     * progFd -1 detaches.
     */
    static int setXdp(int ifindex, int progFd, int flags, int expectedFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(128, 8);
            int at = header(req, RTM_SETLINK, (short) (NLM_F_REQUEST | NLM_F_ACK), ifindex);
            int nestStart = at;
            at += 4;
            at = Netlink.putAttr(req, at, IFLA_XDP_FD, progFd);
            at = Netlink.putAttr(req, at, IFLA_XDP_FLAGS, flags);
            if (expectedFd >= 0) {
                at = Netlink.putAttr(req, at, IFLA_XDP_EXPECTED_FD, expectedFd);
            }
            req.set(JAVA_SHORT, nestStart, (short) (at - nestStart));
            req.set(JAVA_SHORT, nestStart + 2, (short) (IFLA_XDP | NLA_F_NESTED));
            MemorySegment reply = Netlink.exchange(arena, req, at, "attach XDP to interface " + ifindex);
            return Netlink.errno(reply);
        }
    }
}
