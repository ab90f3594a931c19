package io.zcnbrh.udp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Reading and writing the headers of a UDP datagram in an Ethernet frame, in place: Ethernet with up to two VLAN
 * tags (802.1Q 0x8100, 802.1ad 0x88a8), IPv4 (RFC 791; options skipped, fragments refused: the kernel reassembles
 * them) or IPv6 (RFC 8200; UDP as the first next header), UDP (RFC 768). Checksums are the Internet checksum
 * (RFC 1071) over the pseudo-header, the UDP header and the payload; IPv4's over its header.
 */
final class UdpHeaders {
    static final int ETH = 14, IPV4 = 20, IPV6 = 40, UDP = 8;
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Big-endian (network order) layouts: made once, as each withOrder() call makes a new layout (measured). */
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private UdpHeaders() {
    }

    static int u16(MemorySegment m, long at) {
        return Short.toUnsignedInt(m.get(BE16, at));
    }

    /**
     * Parses the frame's headers into {@code into}; false when it is not a whole, unfragmented UDP datagram to
     * {@code port} (0: any port).
     */
    static boolean parse(MemorySegment frame, int length, int port, UdpDatagram into) {
        if (length < ETH + IPV4 + UDP) {
            return false;
        }
        int off = ETH;
        int type = u16(frame, 12);
        int vlan = -1;
        for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
            if (off + 4 > length) {
                return false;
            }
            vlan = u16(frame, off) & 0x0fff;
            type = u16(frame, off + 2);
            off += 4;
        }
        int udp;
        int ipEnd;
        boolean v6;
        if (type == 0x0800) {
            if (off + IPV4 > length) {
                return false;
            }
            int vihl = frame.get(JAVA_BYTE, off) & 0xff;
            int ihl = (vihl & 0x0f) * 4;
            int total = u16(frame, off + 2);
            if (vihl >> 4 != 4 || ihl < IPV4 || total < ihl + UDP || off + total > length
                || (u16(frame, off + 6) & 0x3fff) != 0 || frame.get(JAVA_BYTE, off + 9) != 17) {
                return false;
            }
            udp = off + ihl;
            ipEnd = off + total;
            v6 = false;
        } else if (type == 0x86dd) {
            if (off + IPV6 + UDP > length || (frame.get(JAVA_BYTE, off) & 0xf0) != 0x60
                || frame.get(JAVA_BYTE, off + 6) != 17) {
                return false;
            }
            ipEnd = off + IPV6 + u16(frame, off + 4);
            if (ipEnd > length) {
                return false;
            }
            udp = off + IPV6;
            v6 = true;
        } else {
            return false;
        }
        int udpLength = u16(frame, udp + 4);
        if (udpLength < UDP || udp + udpLength > ipEnd || (port != 0 && u16(frame, udp + 2) != port)
            || martianSource(frame, off, v6)) {
            return false;
        }
        into.frame(frame, off, v6, vlan, u16(frame, udp), udp + UDP, udpLength - UDP);
        return true;
    }

    /**
     * Whether the source address is one no datagram from a wire may carry, which the kernel drops before any socket
     * sees it and so must this parser (the XDP filter takes these frames from the kernel): a peer could otherwise
     * pose as this host. IPv4 (ip_route_input_slow's martian sources): 0.0.0.0/8, 127.0.0.0/8, multicast and
     * 255.255.255.255. IPv6 (ip6_rcv_core): multicast, ::1, and IPv4-mapped (::ffff:a.b.c.d, which Java reports as
     * the IPv4 address itself: ::ffff:127.0.0.1 would read as 127.0.0.1).
     */
    static boolean martianSource(MemorySegment frame, int ip, boolean v6) {
        if (!v6) {
            int a = frame.get(BE32, ip + 12);
            int first = a >>> 24;
            return first == 0 || first == 127 || (first & 0xf0) == 0xe0 || a == -1;
        }
        int at = ip + 8;
        if ((frame.get(JAVA_BYTE, at) & 0xff) == 0xff) {
            return true; // multicast
        }
        long high = frame.get(BE64, at);
        long low = frame.get(BE64, at + 8);
        return high == 0 && (low == 1 || (low >>> 32) == 0xffffL); // ::1, ::ffff:a.b.c.d
    }

    /** The folded one's-complement sum of {@code length} bytes at {@code at}, added to {@code sum}. */
    static long sum(MemorySegment m, long at, int length, long sum) {
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            sum += Integer.toUnsignedLong(m.get(BE32, at + i));
        }
        if (i + 2 <= length) {
            sum += u16(m, at + i);
            i += 2;
        }
        if (i < length) {
            sum += (m.get(JAVA_BYTE, at + i) & 0xff) << 8;
        }
        return sum;
    }

    /** The Internet checksum of a sum: folded to 16 bits and complemented (0 sent as 0xffff for UDP). */
    static int checksum(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /**
     * Writes Ethernet, IPv4 and UDP headers before a payload of {@code payload} bytes already at offset 42, with
     * both checksums; returns the frame's length.
     */
    static int writeIpv4(MemorySegment f, byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp, int srcPort,
                         int dstPort, int payload, int id) {
        ethernet(f, dstMac, srcMac, 0x0800);
        int ip = ETH;
        int total = IPV4 + UDP + payload;
        f.set(BE32, ip, 0x45000000 | total);
        f.set(BE32, ip + 4, (id & 0xffff) << 16 | 0x4000);      // identification, don't fragment
        f.set(BE32, ip + 8, 64 << 24 | 17 << 16);               // TTL 64, UDP, checksum 0 for now
        MemorySegment.copy(srcIp, 0, f, JAVA_BYTE, ip + 12, 4);
        MemorySegment.copy(dstIp, 0, f, JAVA_BYTE, ip + 16, 4);
        f.set(BE16, ip + 10, (short) checksum(sum(f, ip, IPV4, 0)));
        int udp = ip + IPV4;
        udpHeader(f, udp, srcPort, dstPort, payload);
        long pseudo = sum(f, ip + 12, 8, 17 + UDP + payload);
        f.set(BE16, udp + 6, (short) udpChecksum(sum(f, udp, UDP + payload, pseudo)));
        return ETH + total;
    }

    /** As {@link #writeIpv4} for IPv6 (the UDP checksum is mandatory there); the payload is at offset 62. */
    static int writeIpv6(MemorySegment f, byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp, int srcPort,
                         int dstPort, int payload) {
        ethernet(f, dstMac, srcMac, 0x86dd);
        int ip = ETH;
        f.set(BE32, ip, 0x60000000);
        f.set(BE32, ip + 4, (UDP + payload) << 16 | 17 << 8 | 64); // payload length, next header UDP, hop limit
        MemorySegment.copy(srcIp, 0, f, JAVA_BYTE, ip + 8, 16);
        MemorySegment.copy(dstIp, 0, f, JAVA_BYTE, ip + 24, 16);
        int udp = ip + IPV6;
        udpHeader(f, udp, srcPort, dstPort, payload);
        long pseudo = sum(f, ip + 8, 32, 17 + UDP + payload);
        f.set(BE16, udp + 6, (short) udpChecksum(sum(f, udp, UDP + payload, pseudo)));
        return ETH + IPV6 + UDP + payload;
    }

    private static int udpChecksum(long sum) {
        int c = checksum(sum);
        return c == 0 ? 0xffff : c;
    }

    private static void ethernet(MemorySegment f, byte[] dstMac, byte[] srcMac, int type) {
        MemorySegment.copy(dstMac, 0, f, JAVA_BYTE, 0, 6);
        MemorySegment.copy(srcMac, 0, f, JAVA_BYTE, 6, 6);
        f.set(BE16, 12, (short) type);
    }

    private static void udpHeader(MemorySegment f, int udp, int srcPort, int dstPort, int payload) {
        f.set(BE32, udp, srcPort << 16 | dstPort);
        f.set(BE32, udp + 4, (UDP + payload) << 16);  // length, checksum 0 while summing
    }
}
