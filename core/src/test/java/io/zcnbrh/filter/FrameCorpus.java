package io.zcnbrh.filter;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Frames of many kinds for the differential test: Ethernet with and without VLAN tags (802.1Q, 802.1ad, QinQ),
 * IPv4 (options, fragments, bad header lengths), IPv6 (hop-by-hop, routing and fragment headers), TCP, UDP, SCTP,
 * ICMP, ICMPv6, IGMP, ARP and RARP, broadcast and multicast addresses, and every kind cut short at many lengths.
 */
final class FrameCorpus {
    static final String[] V4 = {"10.0.0.1", "10.0.0.2", "10.1.2.3", "192.168.1.10", "172.16.5.4", "224.0.0.251",
        "255.255.255.255", "0.0.0.0", "8.8.8.8", "10.255.0.9"};
    static final String[] V6 = {"2001:db8::1", "2001:db8::2", "fe80::1", "ff02::1", "::1", "2001:db8:1::5"};
    static final int[] PORTS = {22, 53, 80, 443, 9000, 1024, 5353, 12345, 65535, 0, 2000, 1500};
    static final String[] MACS = {"02:00:00:00:00:01", "02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb",
        "33:33:00:00:00:01", "00:11:22:33:44:55"};

    private final Random random = new Random(20261126);
    private final List<byte[]> frames = new ArrayList<>();

    static List<byte[]> build() {
        FrameCorpus c = new FrameCorpus();
        c.all();
        return c.frames;
    }

    private void all() {
        for (int i = 0; i < 160; i++) {
            frames.add(randomFrame());
        }
        // hand-made edge cases
        frames.add(eth(MACS[0], MACS[1], 0x0800, ipv4("10.0.0.1", "10.0.0.2", 6, tcp(80, 22, 0x02), 0, 0, 0x2000)));
        frames.add(eth(MACS[0], MACS[1], 0x0800, ipv4("10.0.0.1", "10.0.0.2", 17, udp(53, 53), 0, 185, 0)));
        frames.add(eth(MACS[0], MACS[1], 0x0800, ipv4("10.0.0.1", "10.0.0.2", 6, tcp(443, 9000, 0x12), 8, 0, 0)));
        frames.add(eth(MACS[0], MACS[1], 0x0800, badIhl(ipv4("10.0.0.1", "10.0.0.2", 17, udp(9000, 9000), 0, 0, 0), 3)));
        frames.add(eth(MACS[0], MACS[1], 0x0800, badIhl(ipv4("10.0.0.1", "10.0.0.2", 17, udp(9000, 9000), 0, 0, 0), 15)));
        frames.add(eth(MACS[2], MACS[1], 0x0806, arp(1, MACS[1], "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2")));
        frames.add(eth(MACS[2], MACS[1], 0x8035, arp(3, MACS[1], "0.0.0.0", MACS[1], "10.1.2.3")));
        frames.add(eth(MACS[4], MACS[1], 0x86dd, ipv6("2001:db8::1", "ff02::1", 0, hopByHop(58, icmp6(130)))));
        frames.add(eth(MACS[0], MACS[1], 0x86dd, ipv6("2001:db8::1", "2001:db8::2", 44, frag6(6, 0, tcp(80, 80, 0x02)))));
        frames.add(eth(MACS[0], MACS[1], 0x86dd, ipv6("2001:db8::1", "2001:db8::2", 44, frag6(17, 100, udp(53, 53)))));
        frames.add(eth(MACS[0], MACS[1], 0x86dd, ipv6("2001:db8::1", "2001:db8::2", 43, routing(6, tcp(22, 22, 0x10)))));
        frames.add(vlan(0x8100, 100, eth(MACS[0], MACS[1], 0x0800, ipv4("10.0.0.1", "10.0.0.2", 17, udp(9000, 53), 0, 0, 0))));
        frames.add(vlan(0x88a8, 200, vlan(0x8100, 100, eth(MACS[0], MACS[1], 0x0800, ipv4("10.0.0.2", "10.0.0.1", 6, tcp(22, 2000, 0x18), 0, 0, 0)))));
        frames.add(vlan(0x9100, 4095, eth(MACS[0], MACS[1], 0x86dd, ipv6("fe80::1", "ff02::1", 58, icmp6(135)))));
        frames.add(vlan(0x8100, 0, eth(MACS[0], MACS[1], 0x0806, arp(2, MACS[0], "10.0.0.2", MACS[1], "10.0.0.1"))));
        frames.add(new byte[0]);
        frames.add(new byte[] {1, 2, 3});
        frames.add(eth(MACS[0], MACS[1], 0x0800, new byte[0]));
        frames.add(eth(MACS[0], MACS[1], 0x1234, new byte[46]));
        frames.add(eth(MACS[0], MACS[1], 0x0600, new byte[46]));
        // every kind, cut short
        int n = frames.size();
        for (int i = 0; i < n; i += 3) {
            byte[] f = frames.get(i);
            for (int cut : new int[] {1, 6, 12, 13, 14, 15, 20, 23, 24, 30, 33, 34, 35, 38, 40, 42, 50, 54, 55, 56}) {
                if (cut < f.length) {
                    frames.add(java.util.Arrays.copyOf(f, cut));
                }
            }
        }
        // random bytes with an IP-ish start
        for (int i = 0; i < 40; i++) {
            byte[] f = new byte[14 + random.nextInt(80)];
            random.nextBytes(f);
            if (i % 2 == 0) {
                f[12] = 0x08;
                f[13] = 0x00;
            } else if (i % 4 == 1) {
                f[12] = (byte) 0x86;
                f[13] = (byte) 0xdd;
            }
            frames.add(f);
        }
    }

    private byte[] randomFrame() {
        String dmac = pick(MACS);
        String smac = pick(MACS);
        byte[] frame;
        int kind = random.nextInt(10);
        switch (kind) {
            case 0, 1, 2 -> frame = eth(dmac, smac, 0x0800, ipv4(pick(V4), pick(V4), 6,
                tcp(pickPort(), pickPort(), random.nextInt(256)), random.nextInt(4) == 0 ? 4 * random.nextInt(4) : 0,
                random.nextInt(6) == 0 ? random.nextInt(8000) : 0, random.nextInt(3) == 0 ? 0x4000 : 0));
            case 3, 4 -> frame = eth(dmac, smac, 0x0800, ipv4(pick(V4), pick(V4), 17, udp(pickPort(), pickPort()), 0,
                random.nextInt(6) == 0 ? random.nextInt(8000) : 0, random.nextInt(6) == 0 ? 0x2000 : 0));
            case 5 -> frame = eth(dmac, smac, 0x0800, ipv4(pick(V4), pick(V4), random.nextInt(3) == 0 ? 132 : 1,
                random.nextBoolean() ? sctp(pickPort(), pickPort()) : icmp(random.nextBoolean() ? 8 : 0), 0, 0, 0));
            case 6, 7 -> {
                int nh = new int[] {6, 17, 58, 132}[random.nextInt(4)];
                byte[] payload = switch (nh) {
                    case 6 -> tcp(pickPort(), pickPort(), random.nextInt(256));
                    case 17 -> udp(pickPort(), pickPort());
                    case 58 -> icmp6(random.nextBoolean() ? 128 : 135);
                    default -> sctp(pickPort(), pickPort());
                };
                frame = eth(dmac, smac, 0x86dd, ipv6(pick(V6), pick(V6), nh, payload));
            }
            case 8 -> frame = eth(random.nextBoolean() ? MACS[2] : dmac, smac, random.nextBoolean() ? 0x0806 : 0x8035,
                arp(1 + random.nextInt(4), smac, pick(V4), dmac, pick(V4)));
            default -> frame = eth(dmac, smac, 0x0800, ipv4(pick(V4), pick(V4), 2, new byte[8], 0, 0, 0));
        }
        if (random.nextInt(6) == 0) {
            frame = vlan(random.nextBoolean() ? 0x8100 : 0x88a8, random.nextInt(4096), frame);
        }
        return frame;
    }

    private String pick(String[] a) {
        return a[random.nextInt(a.length)];
    }

    private int pickPort() {
        return random.nextInt(8) == 0 ? random.nextInt(65536) : PORTS[random.nextInt(PORTS.length)];
    }

    // ---- builders ----------------------------------------------------------------------------------------

    static byte[] eth(String dst, String src, int type, byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(mac(dst));
        o.writeBytes(mac(src));
        o.write(type >> 8);
        o.write(type);
        o.writeBytes(payload);
        return o.toByteArray();
    }

    /** Inserts a tag with {@code tpid} after the MAC addresses. */
    static byte[] vlan(int tpid, int vid, byte[] frame) {
        byte[] f = new byte[frame.length + 4];
        System.arraycopy(frame, 0, f, 0, 12);
        f[12] = (byte) (tpid >> 8);
        f[13] = (byte) tpid;
        f[14] = (byte) (vid >> 8 & 0x0f);
        f[15] = (byte) vid;
        System.arraycopy(frame, 12, f, 16, frame.length - 12);
        return f;
    }

    static byte[] ipv4(String src, String dst, int proto, byte[] payload, int optionBytes, int fragOffset, int flags) {
        int hl = 20 + optionBytes;
        byte[] h = new byte[hl + payload.length];
        h[0] = (byte) (0x40 | hl / 4);
        int total = h.length;
        h[2] = (byte) (total >> 8);
        h[3] = (byte) total;
        int ff = flags | (fragOffset & 0x1fff);
        h[6] = (byte) (ff >> 8);
        h[7] = (byte) ff;
        h[8] = 64;
        h[9] = (byte) proto;
        System.arraycopy(addr(src), 0, h, 12, 4);
        System.arraycopy(addr(dst), 0, h, 16, 4);
        for (int i = 20; i < hl; i++) {
            h[i] = 1; // NOP options
        }
        System.arraycopy(payload, 0, h, hl, payload.length);
        return h;
    }

    static byte[] badIhl(byte[] ip, int ihl) {
        ip[0] = (byte) (0x40 | ihl);
        return ip;
    }

    static byte[] ipv6(String src, String dst, int nh, byte[] payload) {
        byte[] h = new byte[40 + payload.length];
        h[0] = 0x60;
        h[4] = (byte) (payload.length >> 8);
        h[5] = (byte) payload.length;
        h[6] = (byte) nh;
        h[7] = 64;
        System.arraycopy(addr(src), 0, h, 8, 16);
        System.arraycopy(addr(dst), 0, h, 24, 16);
        System.arraycopy(payload, 0, h, 40, payload.length);
        return h;
    }

    static byte[] hopByHop(int nh, byte[] payload) {
        byte[] h = new byte[8 + payload.length];
        h[0] = (byte) nh;
        System.arraycopy(payload, 0, h, 8, payload.length);
        return h;
    }

    static byte[] routing(int nh, byte[] payload) {
        return hopByHop(nh, payload);
    }

    static byte[] frag6(int nh, int offset, byte[] payload) {
        byte[] h = new byte[8 + payload.length];
        h[0] = (byte) nh;
        h[2] = (byte) (offset >> 5);
        h[3] = (byte) (offset << 3);
        System.arraycopy(payload, 0, h, 8, payload.length);
        return h;
    }

    static byte[] tcp(int sport, int dport, int flags) {
        byte[] t = new byte[20 + 6];
        t[0] = (byte) (sport >> 8);
        t[1] = (byte) sport;
        t[2] = (byte) (dport >> 8);
        t[3] = (byte) dport;
        t[12] = 0x50;
        t[13] = (byte) flags;
        t[20] = 'G';
        t[21] = 'E';
        t[22] = 'T';
        t[23] = ' ';
        return t;
    }

    static byte[] udp(int sport, int dport) {
        byte[] u = new byte[8 + 12];
        u[0] = (byte) (sport >> 8);
        u[1] = (byte) sport;
        u[2] = (byte) (dport >> 8);
        u[3] = (byte) dport;
        u[5] = (byte) u.length;
        return u;
    }

    static byte[] sctp(int sport, int dport) {
        byte[] s = udp(sport, dport);
        s[4] = 0x12;
        return s;
    }

    static byte[] icmp(int type) {
        byte[] i = new byte[8 + 8];
        i[0] = (byte) type;
        return i;
    }

    static byte[] icmp6(int type) {
        return icmp(type);
    }

    static byte[] arp(int op, String sha, String spa, String tha, String tpa) {
        byte[] a = new byte[28];
        a[1] = 1;
        a[2] = 0x08;
        a[4] = 6;
        a[5] = 4;
        a[7] = (byte) op;
        System.arraycopy(mac(sha), 0, a, 8, 6);
        System.arraycopy(addr(spa), 0, a, 14, 4);
        System.arraycopy(mac(tha), 0, a, 18, 6);
        System.arraycopy(addr(tpa), 0, a, 24, 4);
        return a;
    }

    static byte[] mac(String m) {
        String[] p = m.split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(p[i], 16);
        }
        return b;
    }

    static byte[] addr(String a) {
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(a, e);
        }
    }
}
