package io.zcnbrh.filter;

/**
 * A filter compiled to conditions over the frame, the intermediate form between the pcap-filter expression and
 * eBPF. Evaluation is left to right and short-circuits, like the classic BPF libpcap generates; a load past the
 * end of the frame ends the whole evaluation with "no match", which is what classic BPF does (and why the order
 * of the parts is libpcap's order).
 */
public sealed interface Cond {
    /** Both, left first. */
    record And(Cond left, Cond right) implements Cond {
    }

    /** Either, left first. */
    record Or(Cond left, Cond right) implements Cond {
    }

    /** The opposite (a load past the end still ends the evaluation with "no match"). */
    record Not(Cond operand) implements Cond {
    }

    /** An unsigned 32-bit comparison of two values. */
    record Cmp(Val left, Rel rel, Val right) implements Cond {
    }

    /** The relations of pcap-filter, unsigned. */
    enum Rel {
        EQ("="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Rel(String symbol) {
            this.symbol = symbol;
        }
    }

    /** {@code a and b}, or whichever is not null. */
    static Cond and(Cond a, Cond b) {
        return a == null ? b : b == null ? a : new And(a, b);
    }

    /** {@code a or b}. */
    static Cond or(Cond a, Cond b) {
        return new Or(a, b);
    }

    /** {@code value == constant}. */
    static Cond eq(Val v, long constant) {
        return new Cmp(v, Rel.EQ, new Val.Const(constant));
    }

    /** {@code (value & mask) == constant}. */
    static Cond masked(Val v, long mask, long constant) {
        return eq(new Val.Bin(Val.Op.AND, v, new Val.Const(mask)), constant);
    }
}
