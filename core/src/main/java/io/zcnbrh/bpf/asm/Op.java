package io.zcnbrh.bpf.asm;

/**
 * eBPF opcode bits (include/uapi/linux/bpf.h, bpf_common.h; Documentation/bpf/standardization/instruction-set.rst).
 * An opcode is class | (op or size|mode) | source.
 */
public final class Op {
    // instruction classes
    public static final int LD = 0x00;
    public static final int LDX = 0x01;
    public static final int ST = 0x02;
    public static final int STX = 0x03;
    public static final int ALU = 0x04;
    public static final int JMP = 0x05;
    public static final int JMP32 = 0x06;
    public static final int ALU64 = 0x07;
    // sizes
    public static final int W = 0x00;
    public static final int H = 0x08;
    public static final int B = 0x10;
    public static final int DW = 0x18;
    // modes
    public static final int IMM = 0x00;
    public static final int ABS = 0x20;
    public static final int IND = 0x40;
    public static final int MEM = 0x60;
    public static final int MEMSX = 0x80;
    public static final int ATOMIC = 0xc0;
    // sources
    public static final int K = 0x00;
    public static final int X = 0x08;
    // ALU operations
    public static final int ADD = 0x00;
    public static final int SUB = 0x10;
    public static final int MUL = 0x20;
    public static final int DIV = 0x30;
    public static final int OR = 0x40;
    public static final int AND = 0x50;
    public static final int LSH = 0x60;
    public static final int RSH = 0x70;
    public static final int NEG = 0x80;
    public static final int MOD = 0x90;
    public static final int XOR = 0xa0;
    public static final int MOV = 0xb0;
    public static final int ARSH = 0xc0;
    public static final int END = 0xd0;
    /** END with source TO_LE / TO_BE (ALU class); ALU64|END is an unconditional byte swap. */
    public static final int TO_LE = 0x00;
    public static final int TO_BE = 0x08;
    // jump operations
    public static final int JA = 0x00;
    public static final int JEQ = 0x10;
    public static final int JGT = 0x20;
    public static final int JGE = 0x30;
    public static final int JSET = 0x40;
    public static final int JNE = 0x50;
    public static final int JSGT = 0x60;
    public static final int JSGE = 0x70;
    public static final int CALL = 0x80;
    public static final int EXIT = 0x90;
    public static final int JLT = 0xa0;
    public static final int JLE = 0xb0;
    public static final int JSLT = 0xc0;
    public static final int JSLE = 0xd0;
    // atomic operations (imm of an ATOMIC store)
    public static final int FETCH = 0x01;
    public static final int XCHG = 0xe0 | FETCH;
    public static final int CMPXCHG = 0xf0 | FETCH;
    // LD_IMM64 pseudo sources
    public static final int PSEUDO_MAP_FD = 1;
    public static final int PSEUDO_MAP_VALUE = 2;

    private Op() {
    }

    /** The class bits of {@code opcode}. */
    public static int cls(int opcode) {
        return opcode & 0x07;
    }

    /** The operation bits of an ALU or JMP opcode. */
    public static int op(int opcode) {
        return opcode & 0xf0;
    }

    /** The source bit of an ALU or JMP opcode. */
    public static int src(int opcode) {
        return opcode & 0x08;
    }

    /** The size bits of a load/store opcode. */
    public static int size(int opcode) {
        return opcode & 0x18;
    }

    /** The mode bits of a load/store opcode. */
    public static int mode(int opcode) {
        return opcode & 0xe0;
    }

    /** Bytes moved by a load/store of size bits {@code size}. */
    public static int bytes(int size) {
        return switch (size) {
            case W -> 4;
            case H -> 2;
            case B -> 1;
            default -> 8;
        };
    }
}
