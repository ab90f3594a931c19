package io.zcnbrh.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The addresses of an interface, from the kernel's own table (rtnetlink RTM_GETADDR dump, rtnetlink(7)) in the
 * calling thread's network namespace. Not java.net.NetworkInterface: it reads IPv6 addresses from /proc/net, which
 * is the process's namespace, so a thread that entered another one (an event loop in a container's namespace) would
 * see the wrong interface's addresses or none.
 */
public final class InterfaceAddresses {
    private static final short RTM_GETADDR = 22, RTM_NEWADDR = 20;
    private static final int IFA_ADDRESS = 1, IFA_LOCAL = 2;
    private static final int AF_INET = 2, AF_INET6 = 10;
    /** struct ifaddrmsg: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
    private static final int IFADDRMSG = 8;
    private static final int RT_SCOPE_UNIVERSE = 0;

    private InterfaceAddresses() {
    }

    /**
     * The addresses of family IPv6 ({@code ipv6}) or IPv4 on interface {@code ifindex} in the kernel's order (the
     * primary first); for IPv6 only global ones (scope universe: not link-local).
     */
    public static List<InetAddress> of(int ifindex, boolean ipv6) {
        List<InetAddress> found = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(64, 8);
            Netlink.header(req, RTM_GETADDR, (short) (Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP));
            req.set(JAVA_BYTE, Netlink.HEADER, (byte) (ipv6 ? AF_INET6 : AF_INET)); // ifa_family
            Netlink.dump(arena, req, Netlink.HEADER + IFADDRMSG, "list the addresses of interface " + ifindex, m -> {
                if (Netlink.type(m) != RTM_NEWADDR || m.get(JAVA_INT, Netlink.HEADER + 4) != ifindex
                    || (ipv6 && Byte.toUnsignedInt(m.get(JAVA_BYTE, Netlink.HEADER + 3)) != RT_SCOPE_UNIVERSE)) {
                    return;
                }
                int attrs = Netlink.HEADER + IFADDRMSG;
                int at = Netlink.findAttr(m, attrs, Netlink.length(m), IFA_LOCAL); // IPv4: the own address
                if (at < 0) {
                    at = Netlink.findAttr(m, attrs, Netlink.length(m), IFA_ADDRESS);
                }
                if (at >= 0 && Netlink.attrLength(m, at) == (ipv6 ? 16 : 4)) {
                    found.add(Netlink.address(m, at));
                }
            });
        }
        return found;
    }
}
