package io.zcnbrh.bpf.asm;

import java.util.List;

import static io.zcnbrh.bpf.asm.Op.*;

/** Prints eBPF instructions in the kernel verifier's notation ({@code r1 = *(u32 *)(r2 +4)}, {@code if r1 > r2 goto pc+3}). */
public final class Disassembler {
    private Disassembler() {
    }

    /** One line per instruction, each prefixed with its slot number. */
    public static String format(List<Insn> insns) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            sb.append(String.format("%4d: %s%n", i, format(in, i + 1 < insns.size() ? insns.get(i + 1) : null)));
            if (in.isWide()) {
                i++;
            }
        }
        return sb.toString();
    }

    private static String aluOp(int op) {
        return switch (op) {
            case ADD -> "+=";
            case SUB -> "-=";
            case MUL -> "*=";
            case DIV -> "/=";
            case OR -> "|=";
            case AND -> "&=";
            case LSH -> "<<=";
            case RSH -> ">>=";
            case MOD -> "%=";
            case XOR -> "^=";
            case MOV -> "=";
            case ARSH -> "s>>=";
            default -> "?" + Integer.toHexString(op) + "?";
        };
    }

    private static String jmpOp(int op) {
        return switch (op) {
            case JEQ -> "==";
            case JGT -> ">";
            case JGE -> ">=";
            case JSET -> "&";
            case JNE -> "!=";
            case JSGT -> "s>";
            case JSGE -> "s>=";
            case JLT -> "<";
            case JLE -> "<=";
            case JSLT -> "s<";
            case JSLE -> "s<=";
            default -> "?" + Integer.toHexString(op) + "?";
        };
    }

    private static String sizeName(int size) {
        return switch (size) {
            case W -> "u32";
            case H -> "u16";
            case B -> "u8";
            default -> "u64";
        };
    }

    private static String offset(int off) {
        return off >= 0 ? " +" + off : " " + off;
    }

    /** One instruction; {@code next} is the following slot (needed for LD_IMM64). */
    public static String format(Insn in, Insn next) {
        int code = in.opcode();
        int cls = Op.cls(code);
        String d = "r" + in.dst();
        String s = "r" + in.src();
        switch (cls) {
            case ALU, ALU64 -> {
                boolean wide = cls == ALU64;
                String rd = wide ? d : "w" + in.dst();
                String rs = wide ? s : "w" + in.src();
                int op = Op.op(code);
                if (op == NEG) {
                    return rd + " = -" + rd;
                }
                if (op == END) {
                    if (wide) {
                        return d + " = bswap" + in.imm() + " " + d;
                    }
                    return d + " = " + (Op.src(code) == TO_BE ? "be" : "le") + in.imm() + " " + d;
                }
                String operand = Op.src(code) == X ? rs : Integer.toString(in.imm());
                if (op == MOV && Op.src(code) == X && in.off() != 0) {
                    return rd + " = (s" + in.off() + ")" + rs;
                }
                String sign = (op == DIV || op == MOD) && in.off() == 1 ? "s" : "";
                return rd + " " + sign + aluOp(op) + " " + operand;
            }
            case LDX -> {
                String sx = Op.mode(code) == MEMSX ? "s" : "u";
                return d + " = *(" + sx + sizeName(Op.size(code)).substring(1) + " *)(" + s + offset(in.off()) + ")";
            }
            case ST -> {
                return "*(" + sizeName(Op.size(code)) + " *)(" + d + offset(in.off()) + ") = " + in.imm();
            }
            case STX -> {
                String target = "*(" + sizeName(Op.size(code)) + " *)(" + d + offset(in.off()) + ")";
                if (Op.mode(code) == ATOMIC) {
                    return atomic(in, target, s);
                }
                return target + " = " + s;
            }
            case LD -> {
                if (in.isWide()) {
                    long hi = next == null ? 0 : next.imm();
                    if (in.src() == PSEUDO_MAP_FD) {
                        return d + " = map[" + (in.map() != null ? in.map() : "fd " + in.imm()) + "]";
                    }
                    if (in.src() == PSEUDO_MAP_VALUE) {
                        return d + " = &map[" + (in.map() != null ? in.map() : "fd " + in.imm()) + "][0] + " + hi;
                    }
                    long v = (hi << 32) | (in.imm() & 0xffffffffL);
                    return d + " = 0x" + Long.toHexString(v) + " ll";
                }
                String size = sizeName(Op.size(code));
                if (Op.mode(code) == ABS) {
                    return "r0 = *(" + size + " *)skb[" + in.imm() + "]";
                }
                return "r0 = *(" + size + " *)skb[" + s + " + " + in.imm() + "]";
            }
            case JMP, JMP32 -> {
                int op = Op.op(code);
                if (op == EXIT) {
                    return "exit";
                }
                if (op == CALL) {
                    return "call " + Helpers.name(in.imm()) + "#" + in.imm();
                }
                if (op == JA) {
                    return "goto pc" + (cls == JMP32 ? signed(in.imm()) : signed(in.off()));
                }
                String rd = cls == JMP ? d : "w" + in.dst();
                String rs = cls == JMP ? s : "w" + in.src();
                String operand = Op.src(code) == X ? rs : Integer.toString(in.imm());
                return "if " + rd + " " + jmpOp(op) + " " + operand + " goto pc" + signed(in.off());
            }
            default -> {
                return "(unknown opcode 0x" + Integer.toHexString(code) + ")";
            }
        }
    }

    private static String atomic(Insn in, String target, String s) {
        int op = in.imm();
        String w = Op.size(in.opcode()) == W ? "w" + in.src() : s;
        return switch (op) {
            case XCHG -> w + " = atomic_xchg(" + target + ", " + w + ")";
            case CMPXCHG -> "r0 = atomic_cmpxchg(" + target + ", r0, " + w + ")";
            default -> {
                String name = switch (op & ~FETCH) {
                    case ADD -> "add";
                    case OR -> "or";
                    case AND -> "and";
                    case XOR -> "xor";
                    default -> "op" + Integer.toHexString(op);
                };
                yield (op & FETCH) != 0 ? w + " = atomic_fetch_" + name + "(" + target + ", " + w + ")"
                    : "lock " + target + " " + aluOp(op & ~FETCH) + " " + w;
            }
        };
    }

    private static String signed(int v) {
        return v >= 0 ? "+" + v : Integer.toString(v);
    }
}
