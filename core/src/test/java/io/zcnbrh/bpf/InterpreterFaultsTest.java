package io.zcnbrh.bpf;

import org.junit.jupiter.api.Tag;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.bpf.interp.InterpreterException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * What the interpreter refuses, as the kernel's verifier would: each program breaks one rule and must stop with
 * a fault that names it (the interpreter runs user filters on shm:, where no verifier stands in front).
 */
@Tag("unit")
class InterpreterFaultsTest {
    static Stream<org.junit.jupiter.params.provider.Arguments> badPrograms() {
        return Stream.of(
            arguments("32-bit arithmetic on a pointer", new Assembler().alu32(ADD, R1, 4).ret(2).build()),
            arguments("comparison of a pointer with a scalar", new Assembler().mov64(R2, 5)
                .jmpReg(JEQ, R1, R2, "out").label("out").ret(2).build()),
            arguments("32-bit comparison of a pointer", new Assembler().jmp32(JEQ, R1, 0, "out").label("out").ret(2)
                .build()),
            arguments("context fields are read 4 bytes at a time", new Assembler().ldx(B, R2, R1, 0).ret(2).build()),
            arguments("no xdp_md field at offset 40", new Assembler().ldx(W, R2, R1, 40).ret(2).build()),
            arguments("a pointer may only be spilled to an aligned 8-byte stack slot", new Assembler()
                .stx(DW, R10, R1, -12).ret(2).build()),
            arguments("helper expects a map in r1", new Assembler().mov64(R1, 0).mov64(R2, 0)
                .call(Helpers.MAP_LOOKUP_ELEM).ret(2).build()),
            arguments("refers to map", new Assembler().ldMap(R1, "a map nobody bound").ret(2).build()),
            arguments("unknown atomic operation", new Assembler().st(DW, R10, -8, 0).mov64(R1, 1)
                .atomic(DW, 0x77, R10, R1, -8).ret(2).build()),
            arguments("comparison of a pointer with a scalar or another region", new Assembler().ldx(W, R2, R1, 0)
                .mov64Reg(R3, R10).jmpReg(JGT, R2, R3, "out").label("out").ret(2).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPrograms")
    void eachBrokenRuleIsAFaultThatNamesIt(String rule, List<Insn> program) {
        InterpreterException e = assertThrows(InterpreterException.class,
            () -> new Interpreter(ProgramType.XDP, program).testRun(new byte[64]));
        assertTrue(e.getMessage().contains(rule), e.getMessage());
    }
}
