package io.zcnbrh.bpf.selftest;

import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.bpf.interp.InterpreterMap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Runs programs in the kernel (BPF_PROG_TEST_RUN) and in the {@link Interpreter} on the same generated packets and
 * compares the verdict, the output packet and, for map programs, the maps afterwards. Every map and program it
 * creates is closed before it returns, so nothing stays loaded.
 */
public final class SelfTest {
    /** The outcome of one case. */
    public record Outcome(String name, int packets, boolean agree, String detail) {
    }

    private SelfTest() {
    }

    /** Packets that exercise edge values: zeros, all ones, sign extremes, and seeded random bytes. */
    public static List<byte[]> packets(long seed) {
        List<byte[]> out = new ArrayList<>();
        byte[] zeros = new byte[64];
        out.add(zeros);
        byte[] ones = new byte[64];
        Arrays.fill(ones, (byte) 0xff);
        out.add(ones);
        MemorySegment extremes = MemorySegment.ofArray(new byte[64]);
        extremes.set(JAVA_LONG.withByteAlignment(1), 0, Long.MIN_VALUE);
        extremes.set(JAVA_LONG.withByteAlignment(1), 8, -1L);
        out.add(extremes.toArray(JAVA_BYTE));
        MemorySegment ints = MemorySegment.ofArray(new byte[64]);
        ints.set(JAVA_LONG.withByteAlignment(1), 0, Integer.MIN_VALUE & 0xffffffffL);
        ints.set(JAVA_LONG.withByteAlignment(1), 8, 0xffffffffL);
        out.add(ints.toArray(JAVA_BYTE));
        Random r = new Random(seed);
        for (int i = 0; i < 4; i++) {
            byte[] p = new byte[60 + r.nextInt(200)];
            r.nextBytes(p);
            out.add(p);
        }
        return out;
    }

    /** Runs one case on {@code packets}. */
    public static Outcome run(SelfTestCase c, List<byte[]> packets) {
        List<BpfMap> kernelMaps = new ArrayList<>();
        try {
            for (SelfTestCase.MapSpec spec : c.maps()) {
                BpfMap m = BpfMap.create(spec.type(), spec.keySize(), spec.valueSize(), spec.maxEntries(), "st");
                kernelMaps.add(m);
                if (spec.initial() != null) {
                    for (int i = 0; i < spec.initial().length; i++) {
                        if (spec.initial()[i] != 0 || spec.type().perCpu()) {
                            m.update(i, spec.initial()[i]);
                        }
                    }
                }
            }
            List<Object> refs = new ArrayList<>(kernelMaps);
            try (BpfProgram prog = BpfProgram.load(c.type(), c.code().apply(refs), "selftest")) {
                Map<Object, InterpreterMap> models = new IdentityHashMap<>();
                for (BpfMap m : kernelMaps) {
                    models.put(m, InterpreterMap.mirrorOf(m));
                }
                Interpreter interp = new Interpreter(c.type(), prog.instructions(), models);
                for (byte[] packet : packets) {
                    TestRunResult kernel = prog.testRun(packet);
                    TestRunResult mine = interp.testRun(packet);
                    if (kernel.retval() != mine.retval()) {
                        return new Outcome(c.name(), packets.size(), false, "verdict kernel=" + kernel.retval()
                            + " interpreter=" + mine.retval() + " on a " + packet.length + "-byte packet");
                    }
                    if (!Arrays.equals(kernel.packetOut(), mine.packetOut())) {
                        return new Outcome(c.name(), packets.size(), false, "output packets differ ("
                            + kernel.packetOut().length + " vs " + mine.packetOut().length + " bytes)");
                    }
                    for (BpfMap m : kernelMaps) {
                        String diff = compare(m, models.get(m));
                        if (diff != null) {
                            return new Outcome(c.name(), packets.size(), false, diff);
                        }
                    }
                }
                return new Outcome(c.name(), packets.size(), true, "");
            }
        } catch (RuntimeException e) {
            return new Outcome(c.name(), packets.size(), false, e.getMessage());
        } finally {
            kernelMaps.forEach(BpfMap::close);
        }
    }

    /** Compares a kernel map with its model (per-CPU maps: the sum over CPUs against the model's one value). */
    private static String compare(BpfMap kernel, InterpreterMap model) {
        if (kernel.type() == MapType.XSKMAP || kernel.type() == MapType.DEVMAP) {
            return null; // redirect targets; programs do not change them
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(kernel.valueBufferSize(), 8);
            List<byte[]> keys = kernel.keys();
            for (byte[] k : keys) {
                MemorySegment key = arena.allocate(k.length, 8).copyFrom(MemorySegment.ofArray(k));
                if (!kernel.lookup(key, v)) {
                    continue;
                }
                MemorySegment expect = model.lookup(key);
                if (kernel.type().perCpu()) {
                    long sum = 0;
                    int stride = (kernel.valueSize() + 7) & ~7;
                    for (long off = 0; off < v.byteSize(); off += stride) {
                        sum += v.get(JAVA_LONG, off);
                    }
                    long mine = expect == null ? 0 : expect.get(JAVA_LONG, 0);
                    if (sum != mine) {
                        return "per-CPU map key " + key.get(JAVA_INT, 0) + ": kernel sum " + sum + ", interpreter " + mine;
                    }
                    continue;
                }
                if (expect == null || expect.mismatch(v.asSlice(0, kernel.valueSize())) != -1) {
                    return "map value differs at a key (" + k.length + "-byte key)";
                }
            }
        }
        return null;
    }

    /** Runs the whole corpus. */
    public static List<Outcome> runAll(long seed) {
        List<byte[]> packets = packets(seed);
        List<Outcome> outcomes = new ArrayList<>();
        for (SelfTestCase c : SelfTestCases.all()) {
            outcomes.add(run(c, packets));
        }
        return outcomes;
    }
}
