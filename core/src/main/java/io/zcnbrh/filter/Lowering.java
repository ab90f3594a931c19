package io.zcnbrh.filter;

import io.zcnbrh.filter.Val.Base;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The protocol half of the filter compiler: each pcap-filter primitive's meaning as {@link Cond}s over frame
 * fields, with libpcap's order of checks (gencode.c: the link type before the field, source before destination,
 * IPv4 before IPv6, the fragment test before the port), at a VLAN shift of {@code shift} bytes. {@link Parser}
 * reads the grammar and checks the qualifiers; it asks this for the conditions.
 *
 * @param shift bytes the VLAN tags read so far add to link-type and network-layer offsets
 */
record Lowering(int shift) {
    static final int ETH_IP = 0x0800, ETH_IP6 = 0x86dd, ETH_ARP = 0x0806, ETH_RARP = 0x8035;

    /** An IPv4 address (masked) as source, destination or either, for frames of {@code etherType}. */
    Cond hostOp4(int etherType, int srcOff, int dstOff, long addr, long mask, String dir) {
        return direction(dir, () -> field4(etherType, srcOff, addr, mask), () -> field4(etherType, dstOff, addr, mask));
    }

    /** The 4-byte network-layer field at {@code off} equals {@code addr} under {@code mask}, after the link type. */
    Cond field4(int etherType, int off, long addr, long mask) {
        Val v = net(off, 4);
        // a zero mask tests nothing: libpcap's optimizer drops the load, so a short frame still matches
        return Cond.and(linkType(etherType), mask == 0 ? null
            : mask == 0xffffffffL ? Cond.eq(v, addr) : Cond.masked(v, mask, addr));
    }

    /** The IPv6 address at network offset {@code off} matches {@code addr}'s first {@code bits} bits. */
    Cond field6(int off, byte[] addr, int bits) {
        Cond words = null;
        for (int w = 3; w >= 0; w--) {
            long a = 0;
            long m = 0;
            for (int b = 0; b < 4; b++) {
                int i = 4 * w + b;
                int keep = Math.max(0, Math.min(8, bits - 8 * i));
                int mb = keep == 0 ? 0 : 0xff << (8 - keep) & 0xff;
                a = a << 8 | (addr[i] & 0xff);
                m = m << 8 | mb;
            }
            if (m == 0) {
                continue; // nothing to test in this word (see field4)
            }
            Val v = net(off + 4 * w, 4);
            Cond c = m == 0xffffffffL ? Cond.eq(v, a) : Cond.masked(v, m, a & m);
            words = words == null ? c : new Cond.And(c, words);
        }
        return Cond.and(linkType(ETH_IP6), words);
    }

    /** A MAC address as source, destination or either. */
    Cond etherHost(String dir, byte[] mac) {
        return direction(dir, () -> etherAddress(6, mac), () -> etherAddress(0, mac));
    }

    /** The 6-byte MAC address at link offset {@code off} (the 4 low bytes first, as libpcap). */
    static Cond etherAddress(int off, byte[] mac) {
        long low = 0;
        for (int i = 2; i < 6; i++) {
            low = low << 8 | (mac[i] & 0xff);
        }
        long high = (mac[0] & 0xff) << 8 | (mac[1] & 0xff);
        return new Cond.And(Cond.eq(new Val.Load(Base.LINK, 0, new Val.Const(off + 2), 4), low),
            Cond.eq(new Val.Load(Base.LINK, 0, new Val.Const(off), 2), high));
    }

    /** The broadcast destination MAC. */
    static Cond etherBroadcast() {
        return etherAddress(0, new byte[] {-1, -1, -1, -1, -1, -1});
    }

    /** A group destination MAC (the I/G bit). */
    static Cond etherMulticast() {
        return Cond.masked(new Val.Load(Base.LINK, 0, new Val.Const(0), 1), 1, 1);
    }

    /** netmask unknown when reading a file (tcpdump passes 0): the all-zeros or all-ones destination. */
    Cond ipBroadcast() {
        return Cond.and(linkType(ETH_IP), Cond.or(Cond.eq(net(16, 4), 0), Cond.eq(net(16, 4), 0xffffffffL)));
    }

    /** {@code src}, {@code dst}, both or either, by the direction qualifier. */
    static Cond direction(String dir, Supplier<Cond> src,
                                  Supplier<Cond> dst) {
        return switch (dir) {
            case "src" -> src.get();
            case "dst" -> dst.get();
            case "src and dst" -> new Cond.And(src.get(), dst.get());
            default -> new Cond.Or(src.get(), dst.get());
        };
    }

    /** The EtherType (after the VLAN tags read so far) is {@code etherType}. */
    Cond linkType(long etherType) {
        return Cond.eq(new Val.Load(Base.LINK, shift, new Val.Const(12), 2), etherType);
    }

    /** The {@code size}-byte network-layer field at {@code off}. */
    Val net(int off, int size) {
        return new Val.Load(Base.NET, shift, new Val.Const(off), size);
    }

    /** IPv4 with protocol {@code p}. */
    Cond ipProto(long p) {
        return Cond.and(linkType(ETH_IP), Cond.eq(net(9, 1), p));
    }

    /** libpcap's IPv6 protocol test: the next header, or a fragment header's next header. */
    Cond ip6Proto(long p) {
        return Cond.and(linkType(ETH_IP6), Cond.or(Cond.eq(net(6, 1), p),
            Cond.and(Cond.eq(net(6, 1), 44), Cond.eq(net(40, 1), p))));
    }

    /** Not a fragment other than the first (the fragment offset is zero). */
    Cond ipFirstFragment() {
        return Cond.masked(net(6, 2), 0x1fff, 0);
    }

    /** {@code test} on the source or destination port of TCP, UDP or SCTP ({@code protos}), over IPv4 then IPv6. */
    Cond ports(int[] protos, String dir, Function<Val, Cond> test) {
        Cond v4 = null;
        Cond v6 = null;
        for (int p : protos) {
            Cond four = Cond.and(Cond.and(Cond.eq(net(9, 1), p), ipFirstFragment()), direction(dir,
                () -> test.apply(new Val.Load(Base.IPV4_PAYLOAD, shift, new Val.Const(0), 2)),
                () -> test.apply(new Val.Load(Base.IPV4_PAYLOAD, shift, new Val.Const(2), 2))));
            Cond six = Cond.and(Cond.eq(net(6, 1), p), direction(dir,
                () -> test.apply(new Val.Load(Base.IPV6_PAYLOAD, shift, new Val.Const(0), 2)),
                () -> test.apply(new Val.Load(Base.IPV6_PAYLOAD, shift, new Val.Const(2), 2))));
            v4 = v4 == null ? four : new Cond.Or(v4, four);
            v6 = v6 == null ? six : new Cond.Or(v6, six);
        }
        return new Cond.Or(Cond.and(linkType(ETH_IP), v4), Cond.and(linkType(ETH_IP6), v6));
    }
}
