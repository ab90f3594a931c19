package io.zcnbrh.filter;

import io.zcnbrh.filter.Cond.Rel;
import io.zcnbrh.filter.Val.Base;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;

/**
 * Parses a pcap-filter expression (pcap-filter(7)) and lowers each primitive to {@link Cond}s with libpcap's
 * meaning and libpcap's order of checks (gencode.c: the link type before the field, source before destination,
 * IPv4 before IPv6, the fragment test before the port). {@code and} and {@code or} have equal precedence and
 * associate left to right; {@code not} binds tightest. A {@code vlan} moves every later primitive 4 bytes on, in
 * the order the expression is read.
 */
final class Parser {
    private static final int ETH_IP = Lowering.ETH_IP, ETH_IP6 = Lowering.ETH_IP6, ETH_ARP = Lowering.ETH_ARP,
        ETH_RARP = Lowering.ETH_RARP;
    private static final Set<String> PROTOS = Set.of("ether", "link", "ip", "ip6", "arp", "rarp", "tcp", "udp", "sctp",
        "icmp", "icmp6", "igmp");
    private static final Set<String> TYPES = Set.of("host", "net", "port", "portrange");
    private static final Set<String> CONNECTIVES = Set.of("and", "or", "not", "&&", "||", "!");

    private final String expr;
    private final List<Token> tokens;
    private int at;
    /** Bytes the VLAN tags read so far add to link-type and network-layer offsets. */
    private int shift;
    /** The qualifiers of the last primitive, which a bare address or number inherits ("port 53 or 80"). */
    private Qual last;

    private record Qual(String proto, String dir, String type) {
    }

    /** An arithmetic value and the condition its loads need first (e.g. "ip" for ip[...]). */
    private record Arith(Val value, Cond guard) {
    }

    private Parser(String expr) {
        this.expr = expr;
        this.tokens = Lexer.tokens(expr);
    }

    /** Parses and lowers {@code expr}; an empty expression matches every frame (as in tcpdump). */
    static Cond parse(String expr) {
        Parser p = new Parser(expr);
        if (p.peek().kind() == Token.Kind.END) {
            return null;
        }
        Cond c = p.expression();
        if (p.peek().kind() != Token.Kind.END) {
            throw p.error(p.peek(), "expected 'and', 'or' or the end of the expression, found " + p.peek().describe());
        }
        return c;
    }

    // ---- tokens -----------------------------------------------------------------------------------------

    private Token peek() {
        return tokens.get(at);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(at + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Token.Kind.END) {
            at++;
        }
        return t;
    }

    private boolean accept(String s) {
        if (peek().is(s)) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(String s, String what) {
        if (!accept(s)) {
            throw error(peek(), "expected " + what + ", found " + peek().describe());
        }
    }

    private FilterSyntaxException error(Token t, String problem) {
        return new FilterSyntaxException(expr, t.pos(), problem);
    }

    private boolean isName(Token t, Set<String> names) {
        return t.kind() == Token.Kind.NAME && !t.escaped() && names.contains(t.text());
    }

    // ---- boolean structure --------------------------------------------------------------------------------

    private Cond expression() {
        Cond c = term();
        while (true) {
            if (accept("and") || accept("&&")) {
                c = new Cond.And(c, term());
            } else if (accept("or") || accept("||")) {
                c = new Cond.Or(c, term());
            } else {
                return c;
            }
        }
    }

    private Cond term() {
        Token t = peek();
        if (accept("not") || accept("!")) {
            enter(t);
            try {
                return new Cond.Not(term());
            } finally {
                depth--;
            }
        }
        return primary();
    }

    /** Deeper nesting than any filter needs is refused, before it can exhaust the stack (found by fuzzing). */
    private static final int MAX_NESTING = 100;
    private int depth;

    private void enter(Token t) {
        if (++depth > MAX_NESTING) {
            depth--;
            throw error(t, "nested more than " + MAX_NESTING + " levels deep (parentheses, not, unary minus)");
        }
    }

    private Cond primary() {
        Token t = peek();
        if (startsArithmetic()) {
            int mark = at;
            int shiftMark = shift;
            try {
                Cond r = relation();
                if (r != null) {
                    return r;
                }
            } catch (FilterSyntaxException e) {
                if (!t.is("(")) {
                    throw e;
                }
            }
            at = mark;
            shift = shiftMark;
        }
        if (accept("(")) {
            enter(t);
            try {
                Cond c = expression();
                expect(")", "')' to close the '(' at column " + (t.pos() + 1));
                return c;
            } finally {
                depth--;
            }
        }
        return primitive();
    }

    /** Whether the next tokens can begin an arithmetic relation such as {@code ip[9] = 17} or {@code len > 100}. */
    private boolean startsArithmetic() {
        Token t = peek();
        if (t.kind() == Token.Kind.NUMBER) {
            return isRelOrArith(peek(1));
        }
        if (t.is("(") || t.is("-")) {
            return true;
        }
        if (t.kind() == Token.Kind.NAME && !t.escaped()) {
            if (t.text().equals("len")) {
                return true;
            }
            if (PROTOS.contains(t.text()) && peek(1).is("[")) {
                return true;
            }
            return PcapNames.CONSTANTS.containsKey(t.text());
        }
        return false;
    }

    private static boolean isRelOrArith(Token t) {
        if (t.kind() != Token.Kind.PUNCT) {
            return false;
        }
        return switch (t.text()) {
            case "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>" -> true;
            default -> false;
        };
    }

    /** {@code arith relop arith}, or null when no relation operator follows (then it was not a relation). */
    private Cond relation() {
        Arith left = arith(0);
        Rel rel = switch (peek().text()) {
            case "=", "==" -> Rel.EQ;
            case "!=" -> Rel.NE;
            case "<" -> Rel.LT;
            case "<=" -> Rel.LE;
            case ">" -> Rel.GT;
            case ">=" -> Rel.GE;
            default -> null;
        };
        if (rel == null || peek().kind() != Token.Kind.PUNCT) {
            if (peek().is(")") || peek().kind() == Token.Kind.END || isName(peek(), CONNECTIVES)) {
                throw error(peek(), "expected a relation (=, !=, <, <=, >, >=) after the value, found "
                    + peek().describe());
            }
            return null;
        }
        next();
        Arith right = arith(0);
        return Cond.and(Cond.and(left.guard(), right.guard()), new Cond.Cmp(left.value(), rel, right.value()));
    }

    // ---- arithmetic -------------------------------------------------------------------------------------

    private static final List<List<String>> LEVELS = List.of(List.of("|"), List.of("^"), List.of("&"),
        List.of("<<", ">>"), List.of("+", "-"), List.of("*", "/", "%"));

    private Arith arith(int level) {
        if (level == LEVELS.size()) {
            return unary();
        }
        Arith a = arith(level + 1);
        while (peek().kind() == Token.Kind.PUNCT && LEVELS.get(level).contains(peek().text())) {
            Token op = next();
            Arith b = arith(level + 1);
            Val.Op o = switch (op.text()) {
                case "|" -> Val.Op.OR;
                case "^" -> Val.Op.XOR;
                case "&" -> Val.Op.AND;
                case "<<" -> Val.Op.LSH;
                case ">>" -> Val.Op.RSH;
                case "+" -> Val.Op.ADD;
                case "-" -> Val.Op.SUB;
                case "*" -> Val.Op.MUL;
                case "/" -> Val.Op.DIV;
                default -> Val.Op.MOD;
            };
            if (b.value() instanceof Val.Const k) {
                if ((o == Val.Op.DIV || o == Val.Op.MOD) && k.value() == 0) {
                    throw error(op, (o == Val.Op.DIV ? "division" : "modulus") + " by zero");
                }
                if ((o == Val.Op.LSH || o == Val.Op.RSH) && k.value() > 31) {
                    throw error(op, "shift by more than 31 bits");
                }
            }
            // libpcap (gen_arth) keeps the left operand's protocol check and drops the right one's: "1 + ip[9]"
            // reads byte 23 of any frame, "ip[9] + 1" only of IPv4 ones. Same verdicts need the same rule.
            a = new Arith(new Val.Bin(o, a.value(), b.value()), a.guard());
        }
        return a;
    }

    private Arith unary() {
        Token minus = peek();
        if (accept("-")) {
            enter(minus);
            try {
                Arith a = unary();
                return new Arith(new Val.Bin(Val.Op.SUB, new Val.Const(0), a.value()), a.guard());
            } finally {
                depth--;
            }
        }
        Token t = next();
        if (t.kind() == Token.Kind.NUMBER) {
            return new Arith(new Val.Const(u32(t)), null);
        }
        if (t.is("(")) {
            enter(t);
            try {
                Arith a = arith(0);
                expect(")", "')'");
                return a;
            } finally {
                depth--;
            }
        }
        if (t.kind() == Token.Kind.NAME && !t.escaped()) {
            if (t.text().equals("len")) {
                return new Arith(new Val.Len(), null);
            }
            Integer k = PcapNames.CONSTANTS.get(t.text());
            if (k != null) {
                return new Arith(new Val.Const(k), null);
            }
            if (PROTOS.contains(t.text()) && peek().is("[")) {
                return load(t);
            }
        }
        throw error(t, "expected a number, 'len', a constant such as tcp-syn, or PROTO[OFFSET], found "
            + t.describe());
    }

    private long u32(Token t) {
        long v;
        try {
            v = t.number();
        } catch (NumberFormatException e) {
            throw error(t, "'" + t.text() + "' is not a number");
        }
        if (v > 0xffffffffL) {
            throw error(t, "'" + t.text() + "' does not fit in 32 bits");
        }
        return v;
    }

    /** {@code proto[index]} or {@code proto[index:size]} with size 1, 2 or 4. */
    private Arith load(Token proto) {
        expect("[", "'['");
        Arith index = arith(0);
        int size = 1;
        if (accept(":")) {
            Token s = next();
            if (s.kind() != Token.Kind.NUMBER || !(s.number() == 1 || s.number() == 2 || s.number() == 4)) {
                throw error(s, "the size after ':' must be 1, 2 or 4, found " + s.describe());
            }
            size = (int) s.number();
        }
        expect("]", "']'");
        String p = proto.text();
        Cond guard;
        Val v;
        switch (p) {
            case "ether", "link" -> {
                guard = null;
                v = new Val.Load(Base.LINK, 0, index.value(), size);
            }
            case "ip", "ip6", "arp", "rarp" -> {
                guard = low().linkType(etherTypeOf(p));
                v = new Val.Load(Base.NET, shift, index.value(), size);
            }
            case "icmp6" -> {
                guard = Cond.and(low().linkType(ETH_IP6), Cond.eq(low().net(6, 1), 58));
                v = new Val.Load(Base.IPV6_PAYLOAD, shift, index.value(), size);
            }
            default -> { // tcp, udp, sctp, icmp, igmp: IPv4, first fragment (libpcap's transport-layer loads)
                guard = Cond.and(low().ipProto(PcapNames.IP_PROTOCOLS.get(p)), low().ipFirstFragment());
                v = new Val.Load(Base.IPV4_PAYLOAD, shift, index.value(), size);
            }
        }
        return new Arith(v, Cond.and(index.guard(), guard));
    }

    // ---- primitives -------------------------------------------------------------------------------------

    private Cond primitive() {
        Token t = peek();
        if (t.kind() == Token.Kind.NAME && !t.escaped() && PcapNames.UNSUPPORTED.contains(t.text())) {
            throw error(t, "'" + t.text() + "' is pcap-filter syntax this compiler does not support (supported: ether, "
                + "ip, ip6, arp, rarp, vlan, tcp, udp, sctp, icmp, icmp6, igmp, host, net, port, portrange, proto, "
                + "broadcast, multicast, less, greater, len and byte-offset expressions)");
        }
        if (accept("vlan")) {
            return vlan();
        }
        if (t.is("less") || t.is("greater")) {
            next();
            Token n = next();
            if (n.kind() != Token.Kind.NUMBER) {
                throw error(n, "expected a length after '" + t.text() + "', found " + n.describe());
            }
            Val.Len len = new Val.Len();
            return t.text().equals("less") ? new Cond.Cmp(len, Rel.LE, new Val.Const(u32(n)))
                : new Cond.Cmp(len, Rel.GE, new Val.Const(u32(n)));
        }
        if (accept("broadcast")) {
            return low().etherBroadcast();
        }
        if (accept("multicast")) {
            return low().etherMulticast();
        }
        if (accept("proto")) {
            return proto(null, t);
        }
        String proto = null;
        Token protoToken = null;
        if (isName(t, PROTOS)) {
            protoToken = next();
            proto = protoToken.text().equals("link") ? "ether" : protoToken.text();
            if (accept("proto")) {
                return proto(proto, protoToken);
            }
            if (accept("broadcast")) {
                return switch (proto) {
                    case "ether" -> low().etherBroadcast();
                    case "ip" -> low().ipBroadcast();
                    default -> throw error(protoToken, "'" + proto + " broadcast' is not supported (ether or ip)");
                };
            }
            if (accept("multicast")) {
                return switch (proto) {
                    case "ether" -> low().etherMulticast();
                    case "ip" -> Cond.and(low().linkType(ETH_IP), new Cond.Cmp(low().net(16, 1), Rel.GE, new Val.Const(224)));
                    case "ip6" -> Cond.and(low().linkType(ETH_IP6), Cond.eq(low().net(24, 1), 255));
                    default -> throw error(protoToken, "'" + proto + " multicast' is not supported (ether, ip, ip6)");
                };
            }
        }
        String dir = direction();
        String type = isName(peek(), TYPES) ? next().text() : null;
        Token id = peek();
        boolean hasId = switch (id.kind()) {
            case NUMBER, IPV4, IPV6, MAC -> true;
            case NAME -> !id.escaped() && !CONNECTIVES.contains(id.text()) && type != null;
            default -> false;
        };
        if (proto != null && dir == null && type == null && !hasId) {
            return protoAbbrev(proto, protoToken); // "tcp", "ip6", "arp" ...
        }
        if (!hasId) {
            throw error(id, "expected " + (type != null ? "a value after '" + type + "'"
                : "an address, 'host', 'net', 'port' or 'portrange'") + ", found " + id.describe());
        }
        if (proto == null && dir == null && type == null && last != null) {
            proto = last.proto();
            dir = last.dir();
            type = last.type();
        }
        last = new Qual(proto, dir, type);
        next();
        return id(proto, dir == null ? "src or dst" : dir, type, id);
    }

    private String direction() {
        if (isName(peek(), Set.of("src", "dst"))) {
            String d = next().text();
            if ((peek().is("or") || peek().is("and")) && isName(peek(1), Set.of("src", "dst"))
                && !peek(1).text().equals(d)) {
                String how = next().text();
                next();
                return "src " + how + " dst";
            }
            return d;
        }
        return null;
    }

    private Cond id(String proto, String dir, String type, Token id) {
        String t = type != null ? type : switch (id.kind()) {
            case NUMBER -> throw error(id, "a bare number needs a qualifier: 'port " + id.text() + "', 'net "
                + id.text() + "' ...");
            default -> "host";
        };
        return switch (t) {
            case "host" -> host(proto, dir, id);
            case "net" -> net(proto, dir, id);
            case "port" -> port(proto, dir, id, id);
            default -> portRange(proto, dir, id);
        };
    }

    /** The protocol lowering at the current VLAN shift. */
    private Lowering low() {
        return new Lowering(shift);
    }

    private Cond vlan() {
        Cond tpid = Cond.or(Cond.or(low().linkType(0x8100), low().linkType(0x88a8)), low().linkType(0x9100));
        Cond c = tpid;
        if (peek().kind() == Token.Kind.NUMBER) {
            Token n = next();
            long id = u32(n);
            if (id > 4095) {
                throw error(n, "VLAN id " + id + " is out of range (0-4095)");
            }
            c = Cond.and(tpid, Cond.masked(new Val.Load(Base.LINK, shift, new Val.Const(14), 2), 0x0fff, id));
        }
        shift += 4; // libpcap: everything after "vlan" is read 4 bytes further on
        return c;
    }

    private Cond proto(String proto, Token where) {
        Token n = next();
        long v;
        if (n.kind() == Token.Kind.NUMBER) {
            v = u32(n);
        } else if (n.kind() == Token.Kind.NAME) {
            Integer named = "ether".equals(proto) ? PcapNames.ETHER_TYPES.get(n.text())
                : PcapNames.IP_PROTOCOLS.get(n.text());
            if (named == null) {
                throw error(n, "unknown " + ("ether".equals(proto) ? "EtherType" : "protocol") + " '" + n.text() + "'");
            }
            v = named;
        } else {
            throw error(n, "expected a protocol number or name after 'proto', found " + n.describe());
        }
        if (proto == null) {
            return Cond.or(low().ipProto(v), low().ip6Proto(v));
        }
        return switch (proto) {
            case "ether" -> {
                if (v <= 1500) {
                    throw error(n, "'ether proto " + v + "' (an 802.3 length, LLC) is not supported; EtherTypes "
                        + "above 1500 are");
                }
                yield low().linkType(v);
            }
            case "ip" -> low().ipProto(v);
            case "ip6" -> low().ip6Proto(v);
            default -> throw error(where, "'" + proto + " proto' is not supported (ether, ip, ip6 or plain proto)");
        };
    }

    private Cond protoAbbrev(String proto, Token where) {
        return switch (proto) {
            case "ether" -> throw error(where, "'ether' needs host, src, dst, proto, broadcast or multicast");
            case "ip" -> low().linkType(ETH_IP);
            case "ip6" -> low().linkType(ETH_IP6);
            case "arp" -> low().linkType(ETH_ARP);
            case "rarp" -> low().linkType(ETH_RARP);
            case "icmp", "igmp" -> low().ipProto(PcapNames.IP_PROTOCOLS.get(proto));
            case "icmp6" -> low().ip6Proto(58);
            default -> Cond.or(low().ipProto(PcapNames.IP_PROTOCOLS.get(proto)), low().ip6Proto(PcapNames.IP_PROTOCOLS.get(proto)));
        };
    }

    // ---- host and net -----------------------------------------------------------------------------------

    private Cond host(String proto, String dir, Token id) {
        switch (id.kind()) {
            case MAC -> {
                if (proto != null && !proto.equals("ether")) {
                    throw error(id, "a MAC address goes with 'ether host', not '" + proto + "'");
                }
                return low().etherHost(dir, mac(id));
            }
            case IPV4 -> {
                if (id.text().chars().filter(c -> c == '.').count() != 3) {
                    throw error(id, "a host needs all four parts of the address; for a network say 'net " + id.text()
                        + "'");
                }
                return host4(proto, dir, ipv4(id), 0xffffffffL, id);
            }
            case IPV6 -> {
                return host6(proto, dir, ipv6(id), 128, id);
            }
            case NAME -> throw error(id, "host names are not resolved ('" + id.text() + "'): give the address");
            default -> throw error(id, "expected an address after 'host', found " + id.describe());
        }
    }

    private Cond net(String proto, String dir, Token id) {
        if (id.kind() == Token.Kind.IPV6) {
            byte[] a = ipv6(id);
            int bits = 128;
            if (accept("/")) {
                bits = (int) prefixLength(128);
            }
            checkHostBits(a, bits, id);
            return host6(proto, dir, a, bits, id);
        }
        long addr;
        long mask;
        if (id.kind() == Token.Kind.IPV4 || id.kind() == Token.Kind.NUMBER) {
            String[] parts = id.kind() == Token.Kind.NUMBER ? new String[] {String.valueOf(u32(id))}
                : id.text().split("\\.");
            addr = 0;
            for (String p : parts) {
                addr = addr << 8 | octet(id, p);
            }
            mask = 0xffffffffL << (8 * (4 - parts.length)) & 0xffffffffL;
            addr = addr << (8 * (4 - parts.length)) & 0xffffffffL;
            if (accept("/")) {
                long bits = prefixLength(32);
                mask = bits == 0 ? 0 : 0xffffffffL << (32 - bits) & 0xffffffffL;
            } else if (accept("mask")) {
                Token m = next();
                if (m.kind() != Token.Kind.IPV4 || m.text().chars().filter(c -> c == '.').count() != 3) {
                    throw error(m, "expected a dotted mask such as 255.255.0.0 after 'mask', found " + m.describe());
                }
                mask = ipv4(m);
            }
            if ((addr & ~mask & 0xffffffffL) != 0) {
                throw error(id, "non-network bits set in \"" + id.text() + "\"");
            }
            return host4(proto, dir, addr, mask, id);
        }
        throw error(id, "expected a network after 'net', found " + id.describe());
    }

    private long prefixLength(int max) {
        Token n = next();
        if (n.kind() != Token.Kind.NUMBER || n.number() > max) {
            throw error(n, "expected a prefix length 0-" + max + " after '/', found " + n.describe());
        }
        return n.number();
    }

    private void checkHostBits(byte[] a, int bits, Token id) {
        for (int i = 0; i < 16; i++) {
            int keep = Math.max(0, Math.min(8, bits - 8 * i));
            int m = keep == 0 ? 0 : 0xff << (8 - keep) & 0xff;
            if ((a[i] & ~m & 0xff) != 0) {
                throw error(id, "non-network bits set in \"" + id.text() + "/" + bits + "\"");
            }
        }
    }

    private Cond host4(String proto, String dir, long addr, long mask, Token id) {
        if (proto == null) {
            return Cond.or(Cond.or(low().hostOp4(ETH_IP, 12, 16, addr, mask, dir), low().hostOp4(ETH_ARP, 14, 24, addr, mask, dir)),
                low().hostOp4(ETH_RARP, 14, 24, addr, mask, dir));
        }
        return switch (proto) {
            case "ip" -> low().hostOp4(ETH_IP, 12, 16, addr, mask, dir);
            case "arp" -> low().hostOp4(ETH_ARP, 14, 24, addr, mask, dir);
            case "rarp" -> low().hostOp4(ETH_RARP, 14, 24, addr, mask, dir);
            default -> throw error(id, "'" + proto + "' modifier applied to an IPv4 host or net");
        };
    }

    private Cond host6(String proto, String dir, byte[] addr, int bits, Token id) {
        if (proto != null && !proto.equals("ip6")) {
            throw error(id, "'" + proto + "' modifier applied to an IPv6 host or net");
        }
        return Lowering.direction(dir, () -> low().field6(8, addr, bits), () -> low().field6(24, addr, bits));
    }

    // ---- ports ------------------------------------------------------------------------------------------

    private Cond port(String proto, String dir, Token id, Token where) {
        long port = portNumber(id);
        return ports(serviceProto(proto, id), dir, where, v -> Cond.eq(v, port));
    }

    /** A service name carries its protocol (libpcap: "port ssh" is "tcp port 22"); a clash is an error. */
    private String serviceProto(String proto, Token id) {
        int[] service = id.kind() == Token.Kind.NAME ? PcapNames.SERVICES.get(id.text()) : null;
        if (service == null || service[1] == -1) {
            return proto;
        }
        String named = service[1] == 6 ? "tcp" : "udp";
        if (proto != null && !proto.equals(named)) {
            throw error(id, "port '" + id.text() + "' is " + named);
        }
        return named;
    }

    private Cond portRange(String proto, String dir, Token id) {
        long lo = portNumber(id);
        expect("-", "'-' between the ports of the range");
        long hi = portNumber(next());
        if (lo > hi) {
            long t = lo;
            lo = hi;
            hi = t;
        }
        long a = lo;
        long b = hi;
        return ports(serviceProto(proto, id), dir, id, v -> new Cond.And(new Cond.Cmp(v, Rel.GE, new Val.Const(a)),
            new Cond.Cmp(v, Rel.LE, new Val.Const(b))));
    }

    private long portNumber(Token t) {
        if (t.kind() == Token.Kind.NUMBER) {
            long v = u32(t);
            if (v > 65535) {
                throw error(t, "port " + v + " is out of range (0-65535)");
            }
            return v;
        }
        if (t.kind() == Token.Kind.NAME && PcapNames.SERVICES.containsKey(t.text())) {
            return PcapNames.SERVICES.get(t.text())[0];
        }
        throw error(t, "expected a port number or a service name (e.g. ssh, domain), found " + t.describe());
    }

    private Cond ports(String proto, String dir, Token where, java.util.function.Function<Val, Cond> test) {
        int[] protos;
        if (proto == null) {
            protos = new int[] {6, 17, 132};
        } else {
            protos = switch (proto) {
                case "tcp" -> new int[] {6};
                case "udp" -> new int[] {17};
                case "sctp" -> new int[] {132};
                default -> throw error(where, "'" + proto + "' modifier applied to a port (tcp, udp or sctp)");
            };
        }
        return low().ports(protos, dir, test);
    }

    // ---- building blocks --------------------------------------------------------------------------------

    private static int etherTypeOf(String proto) {
        return PcapNames.ETHER_TYPES.get(proto);
    }

    private long ipv4(Token t) {
        long a = 0;
        for (String p : t.text().split("\\.")) {
            a = a << 8 | octet(t, p);
        }
        return a;
    }

    /** One part of a dotted IPv4 address: 0 to 255 (any digits beyond are refused, not overflowed). */
    private long octet(Token t, String p) {
        if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Long.parseLong(p) > 255) {
            throw error(t, "'" + t.text() + "' is not an IPv4 address");
        }
        return Long.parseLong(p);
    }

    private byte[] ipv6(Token t) {
        try {
            byte[] b = InetAddress.getByName("[" + t.text() + "]").getAddress();
            if (b.length != 16) {
                throw error(t, "'" + t.text() + "' is not an IPv6 address");
            }
            return b;
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw error(t, "'" + t.text() + "' is not an IPv6 address");
        }
    }

    private byte[] mac(Token t) {
        String[] parts = t.text().split(":");
        byte[] m = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (parts.length != 6 || parts[i].isEmpty() || parts[i].length() > 2) {
                throw error(t, "'" + t.text() + "' is not a MAC address");
            }
            m[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return m;
    }
}
