package io.zcnbrh.filter;

/** A 32-bit unsigned value computed from the frame: a constant, the frame length, a load, or arithmetic. */
public sealed interface Val {
    /** A constant (0 .. 2^32-1). */
    record Const(long value) implements Val {
    }

    /** The frame's length ({@code len}). */
    record Len() implements Val {
    }

    /**
     * {@code size} bytes (1, 2 or 4, big-endian) at {@code base} + {@code index}. Past the end of the frame the
     * whole filter says "no match".
     */
    record Load(Base base, int shift, Val index, int size) implements Val {
    }

    /** Binary arithmetic, 32-bit unsigned; division or modulo by zero ends the evaluation with "no match". */
    record Bin(Op op, Val left, Val right) implements Val {
    }

    /**
     * Where a load's index counts from. {@code shift} of a load is the bytes the VLAN tags before it add (libpcap:
     * every {@code vlan} moves the rest of the expression 4 bytes on).
     */
    enum Base {
        /** The Ethernet header (ether[], link[]); not moved by VLAN tags. */
        LINK,
        /** The network header: 14 bytes plus the VLAN shift. */
        NET,
        /** The IPv4 payload: the network header plus 4 * IHL (classic BPF's MSH). */
        IPV4_PAYLOAD,
        /** The IPv6 payload after the fixed 40-byte header. */
        IPV6_PAYLOAD
    }

    /** Arithmetic of pcap-filter. */
    enum Op {
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%"), AND("&"), OR("|"), XOR("^"), LSH("<<"), RSH(">>");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }
    }
}
