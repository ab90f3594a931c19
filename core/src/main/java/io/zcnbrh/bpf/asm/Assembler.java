package io.zcnbrh.bpf.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.zcnbrh.bpf.asm.Op.*;

/**
 * Builds eBPF programs instruction by instruction, with named labels for forward and backward jumps.
 * Registers are 0..10 (r10 is the read-only frame pointer). {@link #build()} resolves every label and fails
 * with the label's name when one is missing or a jump does not fit in 16 bits.
 */
public final class Assembler {
    /** Register numbers, for readability at call sites. */
    public static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9, R10 = 10;

    private final List<Insn> insns = new ArrayList<>();
    private final Map<Integer, String> jumpTargets = new HashMap<>();
    private final Map<String, Integer> labels = new HashMap<>();

    private Assembler add(Insn insn) {
        insns.add(insn);
        return this;
    }

    private static void reg(int r) {
        if (r < 0 || r > 10) {
            throw new IllegalArgumentException("eBPF registers are r0..r10, not r" + r);
        }
    }

    /** Marks the next instruction with {@code name}. */
    public Assembler label(String name) {
        if (labels.putIfAbsent(name, insns.size()) != null) {
            throw new IllegalArgumentException("label '" + name + "' defined twice");
        }
        return this;
    }

    /** Number of slots emitted so far. */
    public int size() {
        return insns.size();
    }

    // ---- ALU --------------------------------------------------------------------------------------------

    /** {@code dst op= imm}, 64-bit ({@code op} from {@link Op}: ADD, SUB, ..., MOV, ARSH). */
    public Assembler alu64(int op, int dst, int imm) {
        reg(dst);
        return add(new Insn(ALU64 | op | K, dst, 0, 0, imm));
    }

    /** {@code dst op= src}, 64-bit. */
    public Assembler alu64Reg(int op, int dst, int src) {
        reg(dst);
        reg(src);
        return add(new Insn(ALU64 | op | X, dst, src, 0, 0));
    }

    /** {@code w_dst op= imm}, 32-bit (the result is zero-extended). */
    public Assembler alu32(int op, int dst, int imm) {
        reg(dst);
        return add(new Insn(ALU | op | K, dst, 0, 0, imm));
    }

    /** {@code w_dst op= w_src}, 32-bit. */
    public Assembler alu32Reg(int op, int dst, int src) {
        reg(dst);
        reg(src);
        return add(new Insn(ALU | op | X, dst, src, 0, 0));
    }

    /** Signed division or modulo ({@code op} DIV or MOD, offset 1; cpu v4). */
    public Assembler signed(boolean alu64, int op, int dst, int src) {
        reg(dst);
        reg(src);
        return add(new Insn((alu64 ? ALU64 : ALU) | op | X, dst, src, 1, 0));
    }

    /** {@code dst = (s8/s16/s32) src} sign-extending move ({@code bits} 8, 16 or 32; cpu v4). */
    public Assembler movsx(boolean alu64, int dst, int src, int bits) {
        reg(dst);
        reg(src);
        return add(new Insn((alu64 ? ALU64 : ALU) | MOV | X, dst, src, bits, 0));
    }

    /** {@code dst = imm} (64-bit, imm sign-extended). */
    public Assembler mov64(int dst, int imm) {
        return alu64(MOV, dst, imm);
    }

    /** {@code dst = src}. */
    public Assembler mov64Reg(int dst, int src) {
        return alu64Reg(MOV, dst, src);
    }

    /** {@code dst = -dst}. */
    public Assembler neg(boolean alu64, int dst) {
        reg(dst);
        return add(new Insn((alu64 ? ALU64 : ALU) | NEG, dst, 0, 0, 0));
    }

    /** Byte order conversion of the low {@code bits} (16, 32, 64): to big-endian, to little-endian, or an unconditional swap. */
    public Assembler endian(int dst, int bits, boolean toBigEndian, boolean unconditionalSwap) {
        reg(dst);
        if (bits != 16 && bits != 32 && bits != 64) {
            throw new IllegalArgumentException("byte swaps are 16, 32 or 64 bits, not " + bits);
        }
        int opcode = unconditionalSwap ? (ALU64 | END) : (ALU | END | (toBigEndian ? TO_BE : TO_LE));
        return add(new Insn(opcode, dst, 0, 0, bits));
    }

    // ---- loads and stores ----------------------------------------------------------------------------------

    /** {@code dst = *(size *)(src + off)}. */
    public Assembler ldx(int size, int dst, int src, int off) {
        reg(dst);
        reg(src);
        return add(new Insn(LDX | size | MEM, dst, src, off, 0));
    }

    /** {@code dst = *(s8/s16/s32 *)(src + off)}, sign-extended (cpu v4). */
    public Assembler ldxsx(int size, int dst, int src, int off) {
        reg(dst);
        reg(src);
        if (size == DW) {
            throw new IllegalArgumentException("sign-extending loads are 1, 2 or 4 bytes");
        }
        return add(new Insn(LDX | size | MEMSX, dst, src, off, 0));
    }

    /** {@code *(size *)(dst + off) = imm}. */
    public Assembler st(int size, int dst, int off, int imm) {
        reg(dst);
        return add(new Insn(ST | size | MEM, dst, 0, off, imm));
    }

    /** {@code *(size *)(dst + off) = src}. */
    public Assembler stx(int size, int dst, int src, int off) {
        reg(dst);
        reg(src);
        return add(new Insn(STX | size | MEM, dst, src, off, 0));
    }

    /** Atomic {@code *(size *)(dst + off) op= src} (W or DW); {@code op}: ADD, OR, AND, XOR (| FETCH), XCHG, CMPXCHG. */
    public Assembler atomic(int size, int op, int dst, int src, int off) {
        reg(dst);
        reg(src);
        if (size != W && size != DW) {
            throw new IllegalArgumentException("atomic operations are 4 or 8 bytes");
        }
        return add(new Insn(STX | size | ATOMIC, dst, src, off, op));
    }

    /** {@code dst = imm64} (two slots). */
    public Assembler ldImm64(int dst, long imm) {
        reg(dst);
        add(new Insn(LD | DW | IMM, dst, 0, 0, (int) imm));
        return add(new Insn(0, 0, 0, 0, (int) (imm >>> 32)));
    }

    /** {@code dst = map} (a map pointer: the map's fd is filled in at load). */
    public Assembler ldMap(int dst, Object map) {
        reg(dst);
        add(new Insn(LD | DW | IMM, dst, PSEUDO_MAP_FD, 0, 0, map));
        return add(new Insn(0, 0, 0, 0, 0));
    }

    /** {@code dst = &map[0] + offset} (a direct pointer into an array map's single value). */
    public Assembler ldMapValue(int dst, Object map, int offset) {
        reg(dst);
        add(new Insn(LD | DW | IMM, dst, PSEUDO_MAP_VALUE, 0, 0, map));
        return add(new Insn(0, 0, 0, 0, offset));
    }

    /** Legacy packet load {@code r0 = ntoh(*(size *)(skb->data + imm))} (socket filters). */
    public Assembler ldAbs(int size, int imm) {
        return add(new Insn(LD | size | ABS, 0, 0, 0, imm));
    }

    /** Legacy packet load {@code r0 = ntoh(*(size *)(skb->data + src + imm))} (socket filters). */
    public Assembler ldInd(int size, int src, int imm) {
        reg(src);
        return add(new Insn(LD | size | IND, 0, src, 0, imm));
    }

    // ---- jumps --------------------------------------------------------------------------------------------

    private Assembler jump(Insn insn, String label) {
        jumpTargets.put(insns.size(), label);
        return add(insn);
    }

    /** {@code goto label}. */
    public Assembler ja(String label) {
        return jump(new Insn(JMP | JA, 0, 0, 0, 0), label);
    }

    /** {@code if dst op imm goto label}, 64-bit compare. */
    public Assembler jmp(int op, int dst, int imm, String label) {
        reg(dst);
        return jump(new Insn(JMP | op | K, dst, 0, 0, imm), label);
    }

    /** {@code if dst op src goto label}, 64-bit compare. */
    public Assembler jmpReg(int op, int dst, int src, String label) {
        reg(dst);
        reg(src);
        return jump(new Insn(JMP | op | X, dst, src, 0, 0), label);
    }

    /** {@code if w_dst op imm goto label}, 32-bit compare. */
    public Assembler jmp32(int op, int dst, int imm, String label) {
        reg(dst);
        return jump(new Insn(JMP32 | op | K, dst, 0, 0, imm), label);
    }

    /** {@code if w_dst op w_src goto label}, 32-bit compare. */
    public Assembler jmp32Reg(int op, int dst, int src, String label) {
        reg(dst);
        reg(src);
        return jump(new Insn(JMP32 | op | X, dst, src, 0, 0), label);
    }

    /** Calls helper number {@code helper} (arguments in r1-r5, result in r0). */
    public Assembler call(int helper) {
        return add(new Insn(JMP | CALL, 0, 0, 0, helper));
    }

    /**
     * Calls kernel function {@code btfId} (a kfunc: its id in the kernel's BTF, {@code io.zcnbrh.bpf.KernelBtf};
     * src_reg BPF_PSEUDO_KFUNC_CALL, Documentation/bpf/kfuncs.rst). Arguments in r1-r5, result in r0.
     */
    public Assembler callKfunc(int btfId) {
        return add(new Insn(JMP | CALL, 0, 2, 0, btfId));
    }

    /** Returns r0. */
    public Assembler exit() {
        return add(new Insn(JMP | EXIT, 0, 0, 0, 0));
    }

    /** {@code r0 = value; exit}. */
    public Assembler ret(int value) {
        return mov64(R0, value).exit();
    }

    /** Adds already-built instructions (their jumps are relative, so they stay valid). */
    public Assembler raw(List<Insn> more) {
        insns.addAll(more);
        return this;
    }

    /** The instructions with every label resolved. */
    public List<Insn> build() {
        List<Insn> out = new ArrayList<>(insns);
        for (Map.Entry<Integer, String> jump : jumpTargets.entrySet()) {
            Integer target = labels.get(jump.getValue());
            if (target == null) {
                throw new IllegalStateException("jump at " + jump.getKey() + " to undefined label '" + jump.getValue() + "'");
            }
            int pc = jump.getKey();
            int delta = target - (pc + 1);
            if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
                throw new IllegalStateException("jump at " + pc + " to '" + jump.getValue() + "' is " + delta
                    + " slots away; more than a 16-bit offset reaches");
            }
            out.set(pc, out.get(pc).withOff(delta));
        }
        return List.copyOf(out);
    }
}
