package io.zcnbrh.sys;

import java.time.Instant;

/**
 * Maps CLOCK_REALTIME stamps (AF_PACKET's frame headers) to CLOCK_MONOTONIC, the clock of System.nanoTime(). The
 * offset between the two is measured with a bracket (the smallest of several monotonic windows around one
 * realtime read, so a slow first read does not skew it) and measured again every {@value #REFRESH} conversions,
 * as NTP slews the realtime clock (up to 500 ppm). Allocation-free after construction but for the refresh.
 */
public final class RealtimeClock {
    private static final int REFRESH = 4096;
    private long offset;
    private int uses;

    public RealtimeClock() {
        offset = measure();
    }

    /** {@code realtimeNanos} (nanoseconds since the epoch) on System.nanoTime()'s clock. */
    public long toMonotonic(long realtimeNanos) {
        if (++uses == REFRESH) {
            uses = 0;
            offset = measure();
        }
        return realtimeNanos - offset;
    }

    private static long measure() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            Instant now = Instant.now();
            long t1 = System.nanoTime();
            if (t1 - t0 < best) {
                best = t1 - t0;
                offset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (t0 + (t1 - t0) / 2);
            }
        }
        return offset;
    }
}
