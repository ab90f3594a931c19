package io.zcnbrh.filter;

import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.programs.XdpProgramFactory;

import java.util.List;
import java.util.Objects;

/**
 * A tcpdump filter expression (pcap-filter(7), the subset in docs) compiled for XDP: frames that match get one
 * verdict (by default: to the AF_XDP socket, zero-copy), the others another (by default: to the kernel stack, so
 * SSH and the rest keep working). Immutable; compile once, use for any number of ports.
 *
 * <pre>{@code
 * PacketFilter f = PacketFilter.compile("udp dst port 9000 and src net 10.0.0.0/8");
 * PortConfig config = PortConfig.builder().filter(f).build();
 * }</pre>
 */
public final class PacketFilter {
    private final String expression;
    private final Cond cond;
    private final Verdict onMatch;
    private final Verdict otherwise;

    private PacketFilter(String expression, Cond cond, Verdict onMatch, Verdict otherwise) {
        this.expression = expression;
        this.cond = cond;
        this.onMatch = onMatch;
        this.otherwise = otherwise;
    }

    /**
     * Parses and checks {@code expression}; matching frames go to the socket, the others to the kernel stack.
     *
     * @throws FilterSyntaxException with the position and what was expected, or naming unsupported syntax
     */
    public static PacketFilter compile(String expression) {
        Objects.requireNonNull(expression, "expression");
        return new PacketFilter(expression, Parser.parse(expression), Verdict.SOCKET, Verdict.PASS);
    }

    /**
     * Frames that match this filter and {@code other}, combined on the parsed trees (never by pasting the texts:
     * each expression was parsed on its own, so neither can reach into the other's parentheses). The verdicts are
     * this filter's; the expression reads {@code (this) and (other)}.
     */
    public PacketFilter and(PacketFilter other) {
        return new PacketFilter("(" + expression + ") and (" + other.expression + ")", new Cond.And(cond, other.cond),
            onMatch, otherwise);
    }

    /** The same filter with other verdicts for matching and for other frames (e.g. SOCKET and DROP). */
    public PacketFilter verdicts(Verdict onMatch, Verdict otherwise) {
        return new PacketFilter(expression, cond, Objects.requireNonNull(onMatch), Objects.requireNonNull(otherwise));
    }

    /** The expression as given. */
    public String expression() {
        return expression;
    }

    /** The verdict for matching frames. */
    public Verdict onMatch() {
        return onMatch;
    }

    /** The verdict for the other frames. */
    public Verdict otherwise() {
        return otherwise;
    }

    /**
     * The XDP program, redirecting through {@code xsks} (kernel XSKMAP or its interpreter model; may be null when
     * no verdict is SOCKET) and counting verdicts in {@code counters} (a per-CPU array of 3 u64 by
     * {@link Verdict#index()}, or null for no counting).
     */
    public List<Insn> program(Object xsks, Object counters) {
        return FilterCompiler.compile(cond, onMatch, otherwise, xsks, counters);
    }

    /**
     * A program that answers only "match or not": XDP_DROP for a match, XDP_PASS otherwise, no maps. What
     * {@code zcnbrh filter match} runs through BPF_PROG_TEST_RUN or the interpreter.
     */
    public List<Insn> matchProgram() {
        return FilterCompiler.compile(cond, Verdict.DROP, Verdict.PASS, null, null);
    }

    /** This filter as the program factory of an AF_XDP port, counting into {@code counters}. */
    public XdpProgramFactory factory(Object counters) {
        return xsks -> program(xsks, counters);
    }

    @Override
    public String toString() {
        return "filter '" + expression + "' (match: " + onMatch + ", other: " + otherwise + ")";
    }
}
