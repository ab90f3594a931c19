package io.zcnbrh.filter;

import java.util.Map;
import java.util.Set;

/** The names pcap-filter knows: protocols, EtherTypes, services, header offsets and flag constants. */
final class PcapNames {
    /** IP protocol numbers by name (for {@code proto NAME}; keywords need a backslash, e.g. {@code \tcp}). */
    static final Map<String, Integer> IP_PROTOCOLS = Map.ofEntries(Map.entry("icmp", 1), Map.entry("igmp", 2),
        Map.entry("tcp", 6), Map.entry("udp", 17), Map.entry("gre", 47), Map.entry("esp", 50), Map.entry("ah", 51),
        Map.entry("icmp6", 58), Map.entry("pim", 103), Map.entry("vrrp", 112), Map.entry("sctp", 132));

    /** EtherTypes by name (for {@code ether proto NAME}). */
    static final Map<String, Integer> ETHER_TYPES = Map.of("ip", 0x0800, "ip6", 0x86dd, "arp", 0x0806,
        "rarp", 0x8035);

    /**
     * Well-known services as Debian's /etc/services (netbase) lists them: {port, IP protocol}, protocol -1 when
     * the name is both TCP and UDP (libpcap then means TCP, UDP and SCTP). A fixed table, so verdicts do not depend
     * on the machine's files.
     */
    static final Map<String, int[]> SERVICES = Map.ofEntries(Map.entry("ftp-data", new int[] {20, 6}),
        Map.entry("ftp", new int[] {21, 6}), Map.entry("ssh", new int[] {22, 6}), Map.entry("telnet", new int[] {23, 6}),
        Map.entry("smtp", new int[] {25, 6}), Map.entry("domain", new int[] {53, -1}),
        Map.entry("bootps", new int[] {67, 17}), Map.entry("bootpc", new int[] {68, 17}),
        Map.entry("http", new int[] {80, 6}), Map.entry("www", new int[] {80, 6}), Map.entry("pop3", new int[] {110, 6}),
        Map.entry("ntp", new int[] {123, 17}), Map.entry("snmp", new int[] {161, -1}), Map.entry("bgp", new int[] {179, 6}),
        Map.entry("https", new int[] {443, -1}), Map.entry("syslog", new int[] {514, 17}));

    /** Constants usable in arithmetic (offsets and flag values of pcap-filter(7)). */
    static final Map<String, Integer> CONSTANTS = Map.ofEntries(
        Map.entry("icmptype", 0), Map.entry("icmpcode", 1), Map.entry("icmp6type", 0), Map.entry("icmp6code", 1),
        Map.entry("tcpflags", 13),
        Map.entry("tcp-fin", 0x01), Map.entry("tcp-syn", 0x02), Map.entry("tcp-rst", 0x04), Map.entry("tcp-push", 0x08),
        Map.entry("tcp-ack", 0x10), Map.entry("tcp-urg", 0x20), Map.entry("tcp-ece", 0x40), Map.entry("tcp-cwr", 0x80),
        Map.entry("icmp-echoreply", 0), Map.entry("icmp-unreach", 3), Map.entry("icmp-sourcequench", 4),
        Map.entry("icmp-redirect", 5), Map.entry("icmp-echo", 8), Map.entry("icmp-routeradvert", 9),
        Map.entry("icmp-routersolicit", 10), Map.entry("icmp-timxceed", 11), Map.entry("icmp-paramprob", 12),
        Map.entry("icmp-tstamp", 13), Map.entry("icmp-tstampreply", 14), Map.entry("icmp-ireq", 15),
        Map.entry("icmp-ireqreply", 16), Map.entry("icmp-maskreq", 17), Map.entry("icmp-maskreply", 18),
        Map.entry("icmp6-destinationunreach", 1), Map.entry("icmp6-packettoobig", 2),
        Map.entry("icmp6-timeexceeded", 3), Map.entry("icmp6-parameterproblem", 4), Map.entry("icmp6-echo", 128),
        Map.entry("icmp6-echoreply", 129), Map.entry("icmp6-multicastlistenerquery", 130),
        Map.entry("icmp6-routersolicit", 133), Map.entry("icmp6-routeradvert", 134),
        Map.entry("icmp6-neighborsolicit", 135), Map.entry("icmp6-neighboradvert", 136),
        Map.entry("icmp6-redirect", 137));

    /** pcap-filter keywords this compiler does not support: named in the error instead of "syntax error". */
    static final Set<String> UNSUPPORTED = Set.of("gateway", "protochain", "mpls", "pppoed", "pppoes", "geneve",
        "vxlan", "iso", "osi", "decnet", "atalk", "aarp", "ipx", "netbeui", "stp", "lat", "mopdl", "moprc", "sca",
        "clnp", "esis", "isis", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp", "wlan", "llc", "fddi", "tr", "radio",
        "type", "subtype", "dir", "inbound", "outbound", "ifname", "on", "rulenum", "reason", "rset", "srnr",
        "subrulenum", "action", "ra", "ta", "addr1", "addr2", "addr3", "addr4", "igrp", "pim", "vrrp", "carp",
        "atm", "lane", "oamf4", "oamf4ec", "oamf4sc", "oam", "metac", "bcc", "sc", "ilmic", "connectmsg", "metaconnect",
        "hdpi", "slip", "ppp");

    private PcapNames() {
    }
}
