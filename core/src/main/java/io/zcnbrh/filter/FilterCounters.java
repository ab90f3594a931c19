package io.zcnbrh.filter;

import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.PossibleCpus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The filter program's verdict counters: a per-CPU array of three u64 (SOCKET, PASS, DROP), each CPU counting
 * without atomics or shared cache lines; reading sums the CPUs.
 */
public final class FilterCounters implements AutoCloseable {
    private final BpfMap map;

    private FilterCounters(BpfMap map) {
        this.map = map;
    }

    /** A new, zeroed counters map. */
    public static FilterCounters create() {
        return new FilterCounters(BpfMap.create(MapType.PERCPU_ARRAY, 4, 8, Verdict.values().length,
            "zcnbrh_verdicts"));
    }

    /** The kernel map (to pass to {@link PacketFilter#program}). */
    public BpfMap map() {
        return map;
    }

    /** Frames given {@code verdict} so far, summed over every CPU. */
    public long count(Verdict verdict) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, verdict.index());
            MemorySegment v = arena.allocate(map.valueBufferSize(), 8);
            if (!map.lookup(k, v)) {
                return 0;
            }
            long sum = 0;
            for (int cpu = 0; cpu < PossibleCpus.count(); cpu++) {
                sum += v.get(JAVA_LONG, 8L * cpu);
            }
            return sum;
        }
    }

    @Override
    public void close() {
        map.close();
    }
}
