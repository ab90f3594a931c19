package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.bpf.interp.InterpreterException;
import io.zcnbrh.bpf.interp.InterpreterMap;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The interpreter on its own: the checks it makes for programs no verifier has seen, and the redirect verdicts. */
@Tag("unit")
class InterpreterTest {
    private static int run(List<Insn> code, int length) {
        MemorySegment packet = Arena.ofAuto().allocate(Math.max(length, 1));
        return new Interpreter(ProgramType.XDP, code).run(packet, length);
    }

    @Test
    void readingPastThePacketIsCaughtAndNamed() {
        List<Insn> oob = new Assembler().ldx(W, R2, R1, 0).ldx(W, R0, R2, 60).exit().build();
        InterpreterException e = assertThrows(InterpreterException.class, () -> run(oob, 62));
        assertTrue(e.getMessage().contains("out-of-bounds read of 4 bytes at offset 60 of a 62-byte packet"), e.getMessage());
        assertTrue(e.getMessage().contains("at instruction 1: r0 = *(u32 *)(r2 +60)"), e.getMessage());
        assertEquals(0, run(oob, 64), "in bounds it runs");
    }

    @Test
    void theVerifiersOtherRulesAreKept() {
        assertThrows(InterpreterException.class, () -> run(new Assembler().mov64(R2, 1000).ldx(W, R0, R2, 0).exit()
            .build(), 64), "a scalar is not a pointer");
        assertThrows(InterpreterException.class, () -> run(new Assembler().st(W, R1, 0, 1).ret(0).build(), 64),
            "the context is read-only");
        assertThrows(InterpreterException.class, () -> run(new Assembler().ldx(W, R2, R1, 0).alu64Reg(MUL, R2, R2)
            .ret(0).build(), 64), "no multiplying pointers");
        assertThrows(InterpreterException.class, () -> run(new Assembler().stx(DW, R10, R10, -520).ret(0).build(), 64),
            "below the stack frame's bottom");
        InterpreterException loop = assertThrows(InterpreterException.class,
            () -> run(new Assembler().label("top").ja("top").build(), 64));
        assertTrue(loop.getMessage().contains("no exit after"), loop.getMessage());
        assertThrows(InterpreterException.class, () -> run(new Assembler().call(9999).exit().build(), 64));
    }

    @Test
    void pointerSpillsSurviveTheStack() {
        List<Insn> code = new Assembler()
            .ldx(W, R2, R1, 0).stx(DW, R10, R2, -8)  // spill the packet pointer
            .mov64(R2, 0).ldx(DW, R3, R10, -8)        // fill it into r3
            .ldx(B, R0, R3, 5).exit().build();
        MemorySegment packet = Arena.ofAuto().allocate(16);
        packet.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 5, (byte) 42);
        assertEquals(42, new Interpreter(ProgramType.XDP, code).run(packet, 16));
    }

    @Test
    void redirectMapVerdictsFollowTheSlot() {
        InterpreterMap xsks = new InterpreterMap(MapType.XSKMAP, 4, 4, 4, "xsks");
        Interpreter interp = new Interpreter(ProgramType.XDP, XskRedirectProgram.instructions(xsks)).receivedOn(1, 2);
        MemorySegment packet = Arena.ofAuto().allocate(64);
        assertEquals(TestRunResult.XDP_PASS, interp.run(packet, 64), "no socket on queue 2: to the stack");
        xsks.setTarget(2, 1);
        assertEquals(TestRunResult.XDP_REDIRECT, interp.run(packet, 64));
        assertEquals(2, interp.redirectTarget());
        assertEquals(TestRunResult.XDP_PASS, interp.receivedOn(1, 3).run(packet, 64));
    }

    @Test
    void mapsWithoutAKernelWork() {
        InterpreterMap counts = new InterpreterMap(MapType.HASH, 4, 8, 2, "c");
        List<Insn> code = new Assembler()
            .st(W, R10, -4, 7).st(DW, R10, -16, 99)
            .ldMap(R1, counts).mov64Reg(R2, R10).alu64(ADD, R2, -4).mov64Reg(R3, R10).alu64(ADD, R3, -16).mov64(R4, 0)
            .call(Helpers.MAP_UPDATE_ELEM).exit().build();
        assertEquals(0, run(code, 64));
        MemorySegment key = Arena.ofAuto().allocate(4);
        key.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 7);
        assertEquals(99L, counts.lookup(key).get(java.lang.foreign.ValueLayout.JAVA_LONG, 0));
        assertTrue(Disassembler.format(code).contains("call bpf_map_update_elem#2"));
    }
}
