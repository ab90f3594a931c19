package io.zcnbrh.bpf.selftest;

import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.programs.XskRedirectProgram;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;

/**
 * The built-in self-test corpus: every instruction class, maps, packet access, the XSKMAP redirect program.
 * Operands come from the packet, so each case computes something different on each generated packet; results
 * are written back into the packet and returned, so the verdict and the output packet both show them.
 */
public final class SelfTestCases {
    private SelfTestCases() {
    }

    private static final int[] ALU_OPS = {ADD, SUB, MUL, DIV, MOD, OR, AND, XOR, LSH, RSH, ARSH, MOV};
    private static final int[] JMP_OPS = {JEQ, JNE, JGT, JGE, JLT, JLE, JSGT, JSGE, JSLT, JSLE, JSET};

    private static String jmpName(int op) {
        return switch (op) {
            case JEQ -> "jeq";
            case JNE -> "jne";
            case JGT -> "jgt";
            case JGE -> "jge";
            case JLT -> "jlt";
            case JLE -> "jle";
            case JSGT -> "jsgt";
            case JSGE -> "jsge";
            case JSLT -> "jslt";
            case JSLE -> "jsle";
            case JSET -> "jset";
            default -> "op" + op;
        };
    }

    private static String opName(int op) {
        return switch (op) {
            case ADD -> "add";
            case SUB -> "sub";
            case MUL -> "mul";
            case DIV -> "div";
            case MOD -> "mod";
            case OR -> "or";
            case AND -> "and";
            case XOR -> "xor";
            case LSH -> "lsh";
            case RSH -> "rsh";
            case ARSH -> "arsh";
            case MOV -> "mov";
            default -> "op" + op;
        };
    }

    /**
     * XDP frame: r9 = data (callee-saved, so it survives helper calls), r3 = data_end; bail out with XDP_ABORTED
     * unless 40 bytes are there; r6 = the u64 at 0, r7 = the u64 at 8; then {@code body}; then store r6 at offset
     * 16, return w6.
     */
    private static List<Insn> packetProgram(Consumer<Assembler> body) {
        Assembler a = new Assembler()
            .ldx(W, R9, R1, 0)
            .ldx(W, R3, R1, 4)
            .mov64Reg(R4, R9).alu64(ADD, R4, 40)
            .jmpReg(JGT, R4, R3, "short")
            .ldx(DW, R6, R9, 0)
            .ldx(DW, R7, R9, 8);
        body.accept(a);
        return a.stx(DW, R9, R6, 16)
            .mov64Reg(R0, R6)
            .alu32(AND, R0, -1)
            .exit()
            .label("short")
            .ret(TestRunResult.XDP_ABORTED)
            .build();
    }

    private static SelfTestCase xdp(String name, Consumer<Assembler> body) {
        return new SelfTestCase(name, ProgramType.XDP, List.of(), maps -> packetProgram(body));
    }

    /** The corpus. */
    public static List<SelfTestCase> all() {
        List<SelfTestCase> cases = new ArrayList<>();
        for (int op : ALU_OPS) {
            cases.add(xdp("alu64_" + opName(op) + "_x", a -> a.alu64Reg(op, R6, R7)));
            cases.add(xdp("alu64_" + opName(op) + "_k", a -> a.alu64(op, R6, op == LSH || op == RSH || op == ARSH ? 13 : -77)));
            cases.add(xdp("alu32_" + opName(op) + "_x", a -> a.alu32Reg(op, R6, R7)));
            cases.add(xdp("alu32_" + opName(op) + "_k", a -> a.alu32(op, R6, op == LSH || op == RSH || op == ARSH ? 7 : 1000003)));
        }
        cases.add(xdp("alu64_neg", a -> a.neg(true, R6)));
        cases.add(xdp("alu32_neg", a -> a.neg(false, R6)));
        cases.add(xdp("alu64_sdiv", a -> a.signed(true, DIV, R6, R7)));
        cases.add(xdp("alu64_smod", a -> a.signed(true, MOD, R6, R7)));
        cases.add(xdp("alu32_sdiv", a -> a.signed(false, DIV, R6, R7)));
        cases.add(xdp("alu32_smod", a -> a.signed(false, MOD, R6, R7)));
        for (int bits : new int[] {8, 16, 32}) {
            cases.add(xdp("alu64_movsx" + bits, a -> a.movsx(true, R6, R7, bits)));
        }
        for (int bits : new int[] {8, 16}) {
            cases.add(xdp("alu32_movsx" + bits, a -> a.movsx(false, R6, R7, bits)));
        }
        for (int bits : new int[] {16, 32, 64}) {
            cases.add(xdp("end_be" + bits, a -> a.endian(R6, bits, true, false)));
            cases.add(xdp("end_le" + bits, a -> a.endian(R6, bits, false, false)));
            cases.add(xdp("bswap" + bits, a -> a.endian(R6, bits, false, true)));
        }
        for (int size : new int[] {B, H, W, DW}) {
            String n = switch (size) {
                case B -> "b";
                case H -> "h";
                case W -> "w";
                default -> "dw";
            };
            cases.add(xdp("ldx_" + n, a -> a.ldx(size, R6, R9, 5)));
            if (size != DW) {
                cases.add(xdp("ldxsx_" + n, a -> a.ldxsx(size, R6, R9, 3)));
            }
            cases.add(xdp("st_" + n, a -> a.st(size, R9, 17, -12345).ldx(DW, R6, R9, 16)));
            cases.add(xdp("stx_" + n, a -> a.stx(size, R9, R7, 19).ldx(DW, R6, R9, 16)));
        }
        for (int op : JMP_OPS) {
            cases.add(xdp("jmp_" + jmpName(op) + "_x", a -> a.mov64(R8, 1).jmpReg(op, R6, R7, "t" + op).mov64(R8, 2)
                .label("t" + op).alu64Reg(ADD, R6, R8)));
            cases.add(xdp("jmp_" + jmpName(op) + "_k", a -> a.mov64(R8, 1).jmp(op, R6, -3, "t" + op).mov64(R8, 2)
                .label("t" + op).alu64Reg(ADD, R6, R8)));
            cases.add(xdp("jmp32_" + jmpName(op) + "_x", a -> a.mov64(R8, 1).jmp32Reg(op, R6, R7, "t" + op).mov64(R8, 2)
                .label("t" + op).alu64Reg(ADD, R6, R8)));
        }
        cases.add(xdp("ja", a -> a.jmp(JNE, R7, 0, "alt").mov64(R6, 5).ja("skip").label("alt").alu64(ADD, R6, 3)
            .label("skip")));
        cases.add(xdp("ld_imm64", a -> a.ldImm64(R8, 0x1234_5678_9abc_def0L).alu64Reg(XOR, R6, R8)));
        for (int aop : new int[] {ADD, OR, AND, XOR, ADD | FETCH, OR | FETCH, AND | FETCH, XOR | FETCH, XCHG}) {
            for (int size : new int[] {W, DW}) {
                cases.add(xdp("atomic_" + Integer.toHexString(aop) + (size == W ? "_w" : "_dw"), a -> a
                    .stx(DW, R10, R6, -8)
                    .atomic(size, aop, R10, R7, -8)
                    .ldx(DW, R6, R10, -8)
                    .alu64Reg(XOR, R6, R7)));
            }
        }
        cases.add(xdp("atomic_cmpxchg_dw", a -> a.stx(DW, R10, R6, -8).mov64Reg(R0, R6).alu64(AND, R0, 1)
            .atomic(DW, CMPXCHG, R10, R7, -8).ldx(DW, R6, R10, -8).alu64Reg(ADD, R6, R0)));
        cases.add(new SelfTestCase("call_subprogram", ProgramType.XDP, List.of(), maps -> {
            // main: r0 = sub(first u64, second u64) | 1; the subprogram (r1 * r2 + 7) sits after main's exit
            List<Insn> main = new Assembler()
                .ldx(W, R9, R1, 0).ldx(W, R3, R1, 4)
                .mov64Reg(R4, R9).alu64(ADD, R4, 16).jmpReg(JGT, R4, R3, "short")
                .ldx(DW, R1, R9, 0).ldx(DW, R2, R9, 8)
                .raw(List.of(new Insn(JMP | CALL, 0, 1, 0, 0))) // pseudo call; imm patched below
                .alu64(OR, R0, 1)
                .exit()
                .label("short").ret(TestRunResult.XDP_ABORTED)
                .build();
            List<Insn> sub = new Assembler().mov64Reg(R0, R1).alu64Reg(MUL, R0, R2).alu64(ADD, R0, 7).exit().build();
            List<Insn> all = new ArrayList<>(main);
            int callAt = 7;
            all.set(callAt, all.get(callAt).withImm(main.size() - (callAt + 1)));
            all.addAll(sub);
            return all;
        }));
        cases.addAll(mapCases());
        cases.add(new SelfTestCase("xsk_redirect_empty", ProgramType.XDP,
            List.of(new SelfTestCase.MapSpec(MapType.XSKMAP, 4, 4, 4, null)),
            maps -> XskRedirectProgram.instructions(maps.get(0))));
        cases.add(new SelfTestCase("devmap_redirect", ProgramType.XDP,
            List.of(new SelfTestCase.MapSpec(MapType.DEVMAP, 4, 4, 4, new long[] {0, 1, 0, 0})),
            maps -> new Assembler().ldx(W, R2, R1, 16).alu64(ADD, R2, 1).ldMap(R1, maps.get(0)).mov64(R3, 2)
                .call(Helpers.REDIRECT_MAP).exit().build()));
        cases.add(new SelfTestCase("ktime_positive", ProgramType.XDP, List.of(), maps -> new Assembler()
            .call(Helpers.KTIME_GET_NS).mov64(R1, 0).jmpReg(JGT, R0, R1, "yes").ret(1).label("yes").ret(2).build()));
        cases.addAll(socketFilterCases());
        return List.copyOf(cases);
    }

    private static List<SelfTestCase> mapCases() {
        List<SelfTestCase> cases = new ArrayList<>();
        // array: count packets per (first byte & 3), return the new count
        for (MapType t : List.of(MapType.ARRAY, MapType.PERCPU_ARRAY)) {
            cases.add(new SelfTestCase("map_" + t.name().toLowerCase() + "_count", ProgramType.XDP,
                List.of(new SelfTestCase.MapSpec(t, 4, 8, 4, new long[] {10, 20, 30, 40})),
                maps -> packetProgram(a -> a
                    .mov64Reg(R8, R6).alu64(AND, R8, 3)
                    .stx(W, R10, R8, -4)
                    .ldMap(R1, maps.get(0))
                    .mov64Reg(R2, R10).alu64(ADD, R2, -4)
                    .call(Helpers.MAP_LOOKUP_ELEM)
                    .jmp(JEQ, R0, 0, "miss")
                    // per-CPU: the count of the CPU the run landed on is not deterministic, so it is kept in r5
                    // and only the sum over CPUs is compared; arrays return the new count
                    .ldx(DW, t.perCpu() ? R5 : R6, R0, 0).alu64(ADD, t.perCpu() ? R5 : R6, 1)
                    .stx(DW, R0, t.perCpu() ? R5 : R6, 0)
                    .label("miss"))));
        }
        for (MapType t : List.of(MapType.HASH, MapType.LRU_HASH)) {
            cases.add(new SelfTestCase("map_" + t.name().toLowerCase() + "_update", ProgramType.XDP,
                List.of(new SelfTestCase.MapSpec(t, 8, 8, 16, null)),
                maps -> packetProgram(a -> a
                    .stx(DW, R10, R6, -8)   // key = first u64 of the packet
                    .stx(DW, R10, R7, -16)  // value = second
                    .ldMap(R1, maps.get(0))
                    .mov64Reg(R2, R10).alu64(ADD, R2, -8)
                    .mov64Reg(R3, R10).alu64(ADD, R3, -16)
                    .mov64(R4, 0)
                    .call(Helpers.MAP_UPDATE_ELEM)
                    .mov64Reg(R6, R0))));
        }
        cases.add(new SelfTestCase("map_hash_delete_missing", ProgramType.XDP,
            List.of(new SelfTestCase.MapSpec(MapType.HASH, 8, 8, 16, null)),
            maps -> packetProgram(a -> a
                .stx(DW, R10, R6, -8)
                .ldMap(R1, maps.get(0))
                .mov64Reg(R2, R10).alu64(ADD, R2, -8)
                .call(Helpers.MAP_DELETE_ELEM)
                .mov64Reg(R6, R0))));
        cases.add(new SelfTestCase("map_array_update_helper", ProgramType.XDP,
            List.of(new SelfTestCase.MapSpec(MapType.ARRAY, 4, 8, 4, new long[] {1, 2, 3, 4})),
            maps -> packetProgram(a -> a
                .mov64Reg(R8, R7).alu64(AND, R8, 7) // index 0..7: 4..7 are out of range (-E2BIG)
                .stx(W, R10, R8, -4)
                .stx(DW, R10, R6, -16)
                .ldMap(R1, maps.get(0))
                .mov64Reg(R2, R10).alu64(ADD, R2, -4)
                .mov64Reg(R3, R10).alu64(ADD, R3, -16)
                .mov64(R4, 0)
                .call(Helpers.MAP_UPDATE_ELEM)
                .mov64Reg(R6, R0))));
        cases.add(new SelfTestCase("map_direct_value", ProgramType.XDP,
            List.of(new SelfTestCase.MapSpec(MapType.ARRAY, 4, 16, 1, new long[] {5})),
            maps -> packetProgram(a -> a
                .ldMapValue(R8, maps.get(0), 0)
                .ldx(DW, R5, R8, 0).alu64Reg(ADD, R5, R6).stx(DW, R8, R5, 0)
                .mov64Reg(R6, R5))));
        return cases;
    }

    private static List<SelfTestCase> socketFilterCases() {
        List<SelfTestCase> cases = new ArrayList<>();
        for (int size : new int[] {B, H, W}) {
            cases.add(new SelfTestCase("sockfilter_ldabs_" + Op_name(size), ProgramType.SOCKET_FILTER, List.of(),
                maps -> new Assembler().mov64Reg(R6, R1).ldAbs(size, 12).alu64(AND, R0, 0xffff).exit().build()));
        }
        cases.add(new SelfTestCase("sockfilter_ldind_w", ProgramType.SOCKET_FILTER, List.of(),
            maps -> new Assembler().mov64Reg(R6, R1).mov64(R7, 6).ldInd(W, R7, 8).alu64(AND, R0, 0xffff).exit().build()));
        cases.add(new SelfTestCase("sockfilter_ldabs_beyond", ProgramType.SOCKET_FILTER, List.of(),
            maps -> new Assembler().mov64Reg(R6, R1).ldAbs(W, 5000).mov64(R0, 77).exit().build()));
        cases.add(new SelfTestCase("sockfilter_len", ProgramType.SOCKET_FILTER, List.of(),
            maps -> new Assembler().ldx(W, R0, R1, 0).exit().build()));
        return cases;
    }

    private static String Op_name(int size) {
        return switch (size) {
            case B -> "b";
            case H -> "h";
            default -> "w";
        };
    }
}
