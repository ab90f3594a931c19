package io.zcnbrh.bpf.selftest;

import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.asm.Insn;

import java.util.List;
import java.util.function.Function;

/**
 * One self-test program: its maps (created fresh for the case, with initial 8-byte values at 4-byte keys for
 * arrays), and the code, built against the maps it is given (kernel maps or their interpreter models).
 */
public record SelfTestCase(String name, ProgramType type, List<MapSpec> maps, Function<List<Object>, List<Insn>> code) {
    /** A map the case needs: type, sizes, and {@code initial[i]} as the value of key i (arrays), or none. */
    public record MapSpec(MapType type, int keySize, int valueSize, int maxEntries, long[] initial) {
    }
}
