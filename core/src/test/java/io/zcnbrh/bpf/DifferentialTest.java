package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.bpf.interp.InterpreterMap;
import io.zcnbrh.bpf.selftest.SelfTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Generated programs the verifier accepts (straight-line arithmetic on 64 and 32 bits, forward branches, bounded
 * packet reads and writes, array map lookups), run in the kernel and in the interpreter on the same packets:
 * identical verdicts, output packets and maps.
 */
@Tag("kernel")
class DifferentialTest {
    private static final int[] OPS = {ADD, SUB, MUL, DIV, MOD, OR, AND, XOR, LSH, RSH, ARSH, MOV};
    private static final int[] JOPS = {JEQ, JNE, JGT, JGE, JLT, JLE, JSGT, JSGE, JSLT, JSLE, JSET};

    static List<Insn> generate(Random r, Object map) {
        Assembler a = new Assembler()
            .ldx(W, R9, R1, 0).ldx(W, R8, R1, 4)
            .mov64Reg(R7, R9).alu64(ADD, R7, 64).jmpReg(JGT, R7, R8, "short");
        for (int reg = 0; reg <= 5; reg++) {
            a.ldx(DW, reg, R9, reg * 8);
        }
        int labels = 0;
        int steps = 5 + r.nextInt(40);
        for (int i = 0; i < steps; i++) {
            int dst = r.nextInt(6);
            int src = r.nextInt(6);
            switch (r.nextInt(10)) {
                case 0, 1, 2 -> a.alu64Reg(OPS[r.nextInt(OPS.length)], dst, src);
                case 3, 4 -> a.alu32Reg(OPS[r.nextInt(OPS.length)], dst, src);
                case 5 -> {
                    int op = OPS[r.nextInt(OPS.length)];
                    // the verifier refuses immediate shifts past the width and division by an immediate 0
                    int imm = op == LSH || op == RSH || op == ARSH ? r.nextInt(64)
                        : op == DIV || op == MOD ? 1 + r.nextInt(1000) : r.nextInt();
                    a.alu64(op, dst, imm);
                }
                case 6 -> a.alu32(OPS[r.nextInt(OPS.length)], dst, 1 + r.nextInt(31));
                case 7 -> a.ldx(new int[] {B, H, W, DW}[r.nextInt(4)], dst, R9, r.nextInt(56));
                case 8 -> {
                    String l = "f" + labels++;
                    a.jmpReg(JOPS[r.nextInt(JOPS.length)], dst, src, l).alu64(ADD, dst, r.nextInt(100)).label(l);
                }
                default -> {
                    if (map == null) {
                        a.endian(dst, new int[] {16, 32, 64}[r.nextInt(3)], r.nextBoolean(), false);
                    } else { // r6 = map[src & 3] (or unchanged), via the stack
                        String l = "m" + labels++;
                        a.mov64Reg(R6, src).alu64(AND, R6, 3).stx(W, R10, R6, -4)
                            .stx(DW, R10, R0, -16).stx(DW, R10, R1, -24).stx(DW, R10, R2, -32).stx(DW, R10, R3, -40)
                            .stx(DW, R10, R4, -48).stx(DW, R10, R5, -56)
                            .ldMap(R1, map).mov64Reg(R2, R10).alu64(ADD, R2, -4)
                            .call(Helpers.MAP_LOOKUP_ELEM)
                            .mov64(R6, 0)
                            .jmp(JEQ, R0, 0, l).ldx(DW, R6, R0, 0).label(l)
                            .ldx(DW, R0, R10, -16).ldx(DW, R1, R10, -24).ldx(DW, R2, R10, -32).ldx(DW, R3, R10, -40)
                            .ldx(DW, R4, R10, -48).ldx(DW, R5, R10, -56)
                            .alu64Reg(XOR, dst, R6);
                    }
                }
            }
        }
        for (int reg = 0; reg <= 5; reg++) {
            a.stx(DW, R9, reg, reg * 8);
        }
        return a.alu64Reg(XOR, R0, R1).exit().label("short").ret(0).build();
    }

    @Test
    void generatedProgramsAgreeBetweenKernelAndInterpreter() {
        Random r = new Random(20261126);
        List<byte[]> packets = SelfTest.packets(7);
        int compared = 0;
        for (int n = 0; n < 300; n++) {
            try (BpfMap map = BpfMap.create(MapType.ARRAY, 4, 8, 4, "diff")) {
                for (int k = 0; k < 4; k++) {
                    map.update(k, r.nextLong());
                }
                boolean withMap = n % 3 == 0;
                List<Insn> code = generate(r, withMap ? map : null);
                try (BpfProgram prog = BpfProgram.load(ProgramType.XDP, code, "diff")) {
                    Map<Object, InterpreterMap> models = new IdentityHashMap<>();
                    models.put(map, InterpreterMap.mirrorOf(map));
                    Interpreter interp = new Interpreter(ProgramType.XDP, code, models);
                    for (byte[] p : packets) {
                        TestRunResult k = prog.testRun(p);
                        TestRunResult i = interp.testRun(p);
                        String where = "program " + n + " on a " + p.length + "-byte packet:\n" + Disassembler.format(code);
                        assertEquals(k.retval(), i.retval(), where);
                        assertArrayEquals(k.packetOut(), i.packetOut(), where);
                        compared++;
                    }
                }
            }
        }
        assertTrue(compared >= 300 * 8);
    }
}
