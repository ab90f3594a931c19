package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Where a frame to an IP address goes on the wire, from the kernel's own tables (rtnetlink, rtnetlink(7)): the
 * route (RTM_GETROUTE with RTA_DST: its RTA_GATEWAY, when there is one, is the next hop) and the neighbour entry
 * of the next hop on the interface (RTM_GETNEIGH with NDA_DST, Linux 4.20+: its NDA_LLADDR). A missing or
 * unresolved entry is not an error: the caller lets the kernel stack send, which resolves it (ARP, or neighbour
 * discovery), and asks again later.
 */
public final class Neighbours {
    private static final short RTM_GETROUTE = 26, RTM_NEWROUTE = 24, RTM_GETNEIGH = 30, RTM_NEWNEIGH = 28;
    private static final short RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, NDA_DST = 1, NDA_LLADDR = 2;
    private static final int AF_INET = 2, AF_INET6 = 10;
    /** NUD states whose link-layer address may be used: REACHABLE, STALE, DELAY, PROBE, NOARP, PERMANENT. */
    private static final int NUD_USABLE = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

    private Neighbours() {
    }

    /** The route's answer for a destination: the next hop (the gateway, or the destination itself) and its interface. */
    public record Route(InetAddress nextHop, int ifindex) {
    }

    /** The kernel's route to {@code destination}; throws naming the errno when there is none (ENETUNREACH). */
    public static Route route(InetAddress destination) {
        byte[] dst = destination.getAddress();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(128, 8);
            Netlink.header(req, RTM_GETROUTE, Netlink.NLM_F_REQUEST);
            req.set(JAVA_BYTE, Netlink.HEADER, (byte) family(destination));  // struct rtmsg: rtm_family
            req.set(JAVA_BYTE, Netlink.HEADER + 1, (byte) (dst.length * 8));  // rtm_dst_len
            int end = Netlink.putAttr(req, Netlink.HEADER + 12, RTA_DST, dst);
            MemorySegment reply = Netlink.exchange(arena, req, end, "look up the route to " + destination);
            int err = Netlink.errno(reply);
            if (err != 0 || Netlink.type(reply) != RTM_NEWROUTE) {
                throw new SyscallException("rtnetlink RTM_GETROUTE(" + destination.getHostAddress() + ")",
                    err == 0 ? Errno.EIO : err, "no route to this address: add one, or send from an interface that "
                    + "has one");
            }
            int attrs = Netlink.HEADER + 12;
            int length = Netlink.length(reply);
            int gw = Netlink.findAttr(reply, attrs, length, RTA_GATEWAY);
            int oif = Netlink.findAttr(reply, attrs, length, RTA_OIF);
            InetAddress nextHop = gw < 0 ? destination : Netlink.address(reply, gw);
            return new Route(nextHop, oif < 0 ? 0 : reply.get(JAVA_INT, oif));
        }
    }

    /**
     * The link-layer (MAC) address the kernel's neighbour table holds for {@code nextHop} on interface
     * {@code ifindex}, or null when there is no usable entry (none yet, incomplete or failed).
     */
    public static byte[] linkAddress(int ifindex, InetAddress nextHop) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(128, 8);
            Netlink.header(req, RTM_GETNEIGH, Netlink.NLM_F_REQUEST);
            req.set(JAVA_BYTE, Netlink.HEADER, (byte) family(nextHop));     // struct ndmsg: ndm_family
            req.set(JAVA_INT, Netlink.HEADER + 4, ifindex);                   // ndm_ifindex
            int end = Netlink.putAttr(req, Netlink.HEADER + 12, NDA_DST, nextHop.getAddress());
            MemorySegment reply = Netlink.exchange(arena, req, end, "look up the neighbour " + nextHop);
            int err = Netlink.errno(reply);
            if (err == Errno.ENOENT) {
                return null;
            }
            if (err != 0 || Netlink.type(reply) != RTM_NEWNEIGH) {
                throw new SyscallException("rtnetlink RTM_GETNEIGH(" + nextHop.getHostAddress() + ", ifindex "
                    + ifindex + ")", err == 0 ? Errno.EIO : err, "the kernel's neighbour table could not be read");
            }
            int state = Short.toUnsignedInt(reply.get(JAVA_SHORT, Netlink.HEADER + 8));
            int ll = Netlink.findAttr(reply, Netlink.HEADER + 12, Netlink.length(reply), NDA_LLADDR);
            if ((state & NUD_USABLE) == 0 || ll < 0 || Netlink.attrLength(reply, ll) != 6) {
                return null;
            }
            byte[] mac = new byte[6];
            MemorySegment.copy(reply, JAVA_BYTE, ll, mac, 0, 6);
            return mac;
        }
    }

    private static int family(InetAddress a) {
        return a instanceof Inet4Address ? AF_INET : AF_INET6;
    }

}
