package io.zcnbrh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A port's counters: written by the port's one thread with opaque stores (no fence, no lock, no
 * allocation), readable from any thread without tearing (64-bit opaque loads). Slots are 16 longs apart
 * so a monitoring reader does not share a cache line with two hot counters.
 */
public final class PortCounters {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int STRIDE = 16;
    private final long[] values = new long[(Counter.values().length + 1) * STRIDE];

    /** Adds {@code delta} to {@code counter}; single writer only. */
    public void add(Counter counter, long delta) {
        int i = (counter.ordinal() + 1) * STRIDE;
        SLOT.setOpaque(values, i, (long) SLOT.getOpaque(values, i) + delta);
    }

    /** Sets {@code counter} (for values the kernel counts, copied in by whoever reads them). */
    public void set(Counter counter, long value) {
        SLOT.setOpaque(values, (counter.ordinal() + 1) * STRIDE, value);
    }

    /** Adds one to {@code counter}; single writer only. */
    public void increment(Counter counter) {
        add(counter, 1);
    }

    /** The current value of {@code counter}, from any thread. */
    public long get(Counter counter) {
        return (long) SLOT.getOpaque(values, (counter.ordinal() + 1) * STRIDE);
    }

    /** All counters by metric name, in declaration order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            m.put(c.metricName(), get(c));
        }
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        snapshot().forEach((k, v) -> sb.append(k).append('=').append(v).append(' '));
        return sb.toString().trim();
    }
}
