package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;

import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;

/** XDP programs the tests attach to the far end of a veth pair. */
public final class TestPrograms {
    private TestPrograms() {
    }

    /** Counts frames of {@code etherType} in {@code map[0]} (an ARRAY of u64) and passes everything. */
    public static List<Insn> countEtherType(BpfMap map, int etherType) {
        int wire = Short.toUnsignedInt(Short.reverseBytes((short) etherType)); // as a little-endian u16 load sees it
        return new Assembler()
            .ldx(W, R2, R1, 0).ldx(W, R3, R1, 4)
            .mov64Reg(R4, R2).alu64(ADD, R4, 14).jmpReg(JGT, R4, R3, "pass")
            .ldx(H, R4, R2, 12).jmp(JNE, R4, wire, "pass")
            .st(W, R10, -4, 0)
            .ldMap(R1, map).mov64Reg(R2, R10).alu64(ADD, R2, -4)
            .call(Helpers.MAP_LOOKUP_ELEM)
            .jmp(JEQ, R0, 0, "pass")
            .mov64(R1, 1).atomic(DW, ADD, R0, R1, 0)
            .label("pass").ret(TestRunResult.XDP_PASS)
            .build();
    }
}
