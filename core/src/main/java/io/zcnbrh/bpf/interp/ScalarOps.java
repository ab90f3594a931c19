package io.zcnbrh.bpf.interp;

import static io.zcnbrh.bpf.asm.Op.*;

/**
 * The scalar semantics of the eBPF instruction set (Documentation/bpf/standardization/instruction-set.rst): the
 * 64- and 32-bit arithmetic (division by zero gives 0, modulo by zero leaves the dividend, shifts masked to the
 * width, signed division and modulo when {@code off} is 1), byte swaps and the conditional jumps' comparisons.
 * Pure functions of their operands; the {@link Interpreter} keeps registers, regions and pointers.
 */
final class ScalarOps {
    private ScalarOps() {
    }

    /** {@code dst op src} for ALU64 (not MOV); signed: {@code off == 1} for DIV and MOD. */
    static long alu64(int op, long dst, long src, boolean signed, int imm) {
        return switch (op) {
            case ADD -> dst + src;
            case SUB -> dst - src;
            case MUL -> dst * src;
            case DIV -> src == 0 ? 0 : signed ? dst / src : Long.divideUnsigned(dst, src);
            case MOD -> src == 0 ? dst : signed ? dst % src : Long.remainderUnsigned(dst, src);
            case OR -> dst | src;
            case AND -> dst & src;
            case XOR -> dst ^ src;
            case LSH -> dst << (src & 63);
            case RSH -> dst >>> (src & 63);
            case ARSH -> dst >> (src & 63);
            case NEG -> -dst;
            case END -> swap(dst, imm);
            default -> throw new InterpreterException("unknown ALU64 operation");
        };
    }

    /** {@code dst op src} for ALU (32 bits, not MOV or END); the caller zero-extends the result. */
    static int alu32(int op, int dst, int src, boolean signed) {
        return switch (op) {
            case ADD -> dst + src;
            case SUB -> dst - src;
            case MUL -> dst * src;
            case DIV -> src == 0 ? 0 : signed ? dst / src : Integer.divideUnsigned(dst, src);
            case MOD -> src == 0 ? dst : signed ? dst % src : Integer.remainderUnsigned(dst, src);
            case OR -> dst | src;
            case AND -> dst & src;
            case XOR -> dst ^ src;
            case LSH -> dst << (src & 31);
            case RSH -> dst >>> (src & 31);
            case ARSH -> dst >> (src & 31);
            case NEG -> -dst;
            default -> throw new InterpreterException("unknown ALU operation");
        };
    }

    /** The byte swap of the low {@code bits} (16, 32 or 64) bits, zero-extended. */
    static long swap(long value, int bits) {
        return switch (bits) {
            case 16 -> Short.reverseBytes((short) value) & 0xffffL;
            case 32 -> Integer.reverseBytes((int) value) & 0xffffffffL;
            default -> Long.reverseBytes(value);
        };
    }

    /** Whether jump {@code op} is taken for 64-bit operands. */
    static boolean compare(int op, long a, long b) {
        return switch (op) {
            case JEQ -> a == b;
            case JNE -> a != b;
            case JGT -> Long.compareUnsigned(a, b) > 0;
            case JGE -> Long.compareUnsigned(a, b) >= 0;
            case JLT -> Long.compareUnsigned(a, b) < 0;
            case JLE -> Long.compareUnsigned(a, b) <= 0;
            case JSGT -> a > b;
            case JSGE -> a >= b;
            case JSLT -> a < b;
            case JSLE -> a <= b;
            case JSET -> (a & b) != 0;
            default -> throw new InterpreterException("unknown jump operation 0x" + Integer.toHexString(op));
        };
    }

    /** A 32-bit compare is the 64-bit one on the low words, sign-extended for the signed operations. */
    static boolean compare32(int op, int a, int b) {
        boolean signed = op == JSGT || op == JSGE || op == JSLT || op == JSLE;
        return compare(op, signed ? a : a & 0xffffffffL, signed ? b : b & 0xffffffffL);
    }
}
