package io.zcnbrh.filter;

import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;

import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;

/**
 * Turns {@link Cond}s into an XDP program. Registers: r6 the context, r7 the frame's first byte, r8 its end;
 * values are computed into r0 with r1-r5 as scratch and the stack for the other operand of nested arithmetic.
 * Every load checks the frame's end first (the verifier's rule for packet access, and classic BPF's: a load past
 * the end means "no match" for the whole filter). Arithmetic is 32-bit unsigned like classic BPF.
 */
final class FilterCompiler {
    private static final String MATCH = "match";
    private static final String NO_MATCH = "no_match";
    /** Stack slots for pending operands (8 bytes each, below r10). */
    private static final int MAX_DEPTH = 48;

    private final Assembler asm = new Assembler();
    private int labels;

    private FilterCompiler() {
    }

    /**
     * The program: {@code cond} decides between {@code onMatch} and {@code otherwise}; each verdict is counted in
     * {@code counters} (a per-CPU array of 3 u64, by {@link Verdict#index()}) when it is not null; SOCKET redirects
     * through {@code xsks} on the frame's queue.
     */
    static List<Insn> compile(Cond cond, Verdict onMatch, Verdict otherwise, Object xsks, Object counters) {
        if ((onMatch == Verdict.SOCKET || otherwise == Verdict.SOCKET) && xsks == null) {
            throw new IllegalArgumentException("the SOCKET verdict needs the port's XSKMAP");
        }
        FilterCompiler c = new FilterCompiler();
        Assembler a = c.asm;
        a.mov64Reg(R6, R1)
            .ldx(W, R7, R6, 0)  // ctx->data
            .ldx(W, R8, R6, 4); // ctx->data_end
        if (cond == null) { // the empty expression: every frame matches (the verifier refuses dead code)
            c.verdict(onMatch, xsks, counters);
            return a.build();
        }
        c.branch(cond, MATCH, NO_MATCH);
        a.label(MATCH);
        c.verdict(onMatch, xsks, counters);
        a.label(NO_MATCH);
        c.verdict(otherwise, xsks, counters);
        return a.build();
    }

    private String fresh(String what) {
        return what + "_" + labels++;
    }

    private void branch(Cond c, String yes, String no) {
        switch (c) {
            case Cond.And and -> {
                String mid = fresh("and");
                branch(and.left(), mid, no);
                asm.label(mid);
                branch(and.right(), yes, no);
            }
            case Cond.Or or -> {
                String mid = fresh("or");
                branch(or.left(), yes, mid);
                asm.label(mid);
                branch(or.right(), yes, no);
            }
            case Cond.Not not -> branch(not.operand(), no, yes);
            case Cond.Cmp cmp -> compare(cmp, yes, no);
        }
    }

    private void compare(Cond.Cmp cmp, String yes, String no) {
        int op = switch (cmp.rel()) {
            case EQ -> JEQ;
            case NE -> JNE;
            case LT -> JLT;
            case LE -> JLE;
            case GT -> JGT;
            case GE -> JGE;
        };
        if (cmp.right() instanceof Val.Const k) {
            value(cmp.left(), 0);
            asm.jmp32(op, R0, (int) k.value(), yes);
        } else {
            value(cmp.right(), 0);
            asm.stx(DW, R10, R0, slot(0));
            value(cmp.left(), 1);
            asm.ldx(DW, R1, R10, slot(0));
            asm.jmp32Reg(op, R0, R1, yes);
        }
        asm.ja(no);
    }

    private static int slot(int depth) {
        return -8 * (depth + 1);
    }

    /** Computes {@code v} into r0; {@code depth} stack slots are in use by pending operands. */
    private void value(Val v, int depth) {
        if (depth >= MAX_DEPTH) {
            throw new IllegalArgumentException("filter expression nested too deeply (more than " + MAX_DEPTH
                + " pending operands)");
        }
        switch (v) {
            case Val.Const k -> asm.alu32(MOV, R0, (int) k.value());
            case Val.Len len -> asm.mov64Reg(R0, R8).alu64Reg(SUB, R0, R7);
            case Val.Load load -> load(load, depth);
            case Val.Bin bin -> arithmetic(bin, depth);
        }
    }

    private void arithmetic(Val.Bin bin, int depth) {
        int op = switch (bin.op()) {
            case ADD -> ADD;
            case SUB -> SUB;
            case MUL -> MUL;
            case DIV -> DIV;
            case MOD -> MOD;
            case AND -> AND;
            case OR -> OR;
            case XOR -> XOR;
            case LSH -> LSH;
            case RSH -> RSH;
        };
        if (bin.right() instanceof Val.Const k && !(k.value() == 0 && (op == DIV || op == MOD))
            && !(k.value() > 31 && (op == LSH || op == RSH))) {
            value(bin.left(), depth);
            asm.alu32(op, R0, (int) k.value());
            return;
        }
        value(bin.right(), depth);
        asm.stx(DW, R10, R0, slot(depth));
        value(bin.left(), depth + 1);
        asm.ldx(DW, R1, R10, slot(depth));
        if (op == DIV || op == MOD) {
            asm.jmp(JEQ, R1, 0, NO_MATCH); // classic BPF: division by zero ends the filter, no match
            asm.alu32Reg(op, R0, R1);
        } else if (op == LSH || op == RSH) {
            String zero = fresh("shift_out");
            String done = fresh("shift_done");
            asm.jmp(JGT, R1, 31, zero)      // libpcap's bpf_filter: a shift of 32 or more gives 0
                .alu32Reg(op, R0, R1).ja(done)
                .label(zero).alu32(MOV, R0, 0)
                .label(done);
        } else {
            asm.alu32Reg(op, R0, R1);
        }
    }

    private void load(Val.Load load, int depth) {
        int netOffset = 14 + load.shift();
        int size = load.size();
        int width = size == 1 ? B : size == 2 ? H : W;
        long off = load.index() instanceof Val.Const k ? k.value() + switch (load.base()) {
            case LINK -> load.shift();
            case NET -> netOffset;
            default -> netOffset + 40;
        } : -1;
        String beyond = fresh("beyond");
        String loaded = fresh("loaded");
        if (load.index() instanceof Val.Const && load.base() != Val.Base.IPV4_PAYLOAD && off <= 0xfff0) {
            asm.mov64Reg(R2, R7).alu64(ADD, R2, (int) (off + size))
                .jmpReg(JGT, R2, R8, beyond)
                .ldx(width, R0, R7, (int) off)
                .ja(loaded)
                .label(beyond)
                .mov64(R2, (int) off);
        } else {
            value(load.index(), depth);
            switch (load.base()) {
                case LINK -> asm.alu64(ADD, R0, load.shift());
                case NET -> asm.alu64(ADD, R0, netOffset);
                case IPV6_PAYLOAD -> asm.alu64(ADD, R0, netOffset + 40);
                case IPV4_PAYLOAD -> asm           // classic BPF's MSH: X = 4 * (ip[0] & 0xf)
                    .mov64Reg(R2, R7).alu64(ADD, R2, netOffset + 1)
                    .jmpReg(JGT, R2, R8, NO_MATCH)
                    .ldx(B, R1, R7, netOffset)
                    .alu64(AND, R1, 0xf).alu64(LSH, R1, 2)
                    .alu64Reg(ADD, R0, R1).alu64(ADD, R0, netOffset);
            }
            // bounds the offset for the verifier: offset + size must stay within MAX_PACKET_OFF (0xffff) for a
            // bounds check to count (find_good_pkt_pointers); no XDP frame is that long, so nothing is lost
            asm.jmp(JGT, R0, 0xfff0, NO_MATCH)
                .mov64Reg(R2, R7).alu64Reg(ADD, R2, R0)
                .mov64Reg(R3, R2).alu64(ADD, R3, size)
                .jmpReg(JGT, R3, R8, beyond)
                .ldx(width, R0, R2, 0)
                .ja(loaded)
                .label(beyond)
                .mov64Reg(R2, R0);
        }
        // Past the first fragment (data_end) of a multi-buffer packet, the bytes are in its other fragments:
        // bpf_xdp_load_bytes reads across them (Linux 5.18); past the packet's end it fails, and the frame does not
        // match, as in libpcap. Pending operands are on the stack, so the call clobbers nothing live; the buffer is
        // the slot below the deepest operand's.
        asm.mov64Reg(R1, R6)
            .mov64Reg(R3, R10).alu64(ADD, R3, slot(MAX_DEPTH))
            .mov64(R4, size)
            .call(Helpers.XDP_LOAD_BYTES)
            .jmp(JNE, R0, 0, NO_MATCH)
            .ldx(width, R0, R10, slot(MAX_DEPTH))
            .label(loaded);
        if (size > 1) {
            asm.endian(R0, size * 8, true, false); // network byte order
        }
    }

    private void verdict(Verdict v, Object xsks, Object counters) {
        if (counters != null) {
            String counted = fresh("counted");
            asm.st(W, R10, -4, v.index())
                .ldMap(R1, counters).mov64Reg(R2, R10).alu64(ADD, R2, -4)
                .call(Helpers.MAP_LOOKUP_ELEM)
                .jmp(JEQ, R0, 0, counted)
                .mov64(R1, 1).atomic(DW, ADD, R0, R1, 0)
                .label(counted);
        }
        if (v == Verdict.SOCKET) {
            asm.ldx(W, R2, R6, 16)          // ctx->rx_queue_index
                .ldMap(R1, xsks)
                .mov64(R3, TestRunResult.XDP_PASS) // no socket on the queue: to the kernel stack
                .call(Helpers.REDIRECT_MAP)
                .exit();
        } else {
            asm.ret(v.xdpCode());
        }
    }
}
