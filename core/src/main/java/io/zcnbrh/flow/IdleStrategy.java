package io.zcnbrh.flow;

import java.util.concurrent.locks.LockSupport;

/**
 * Spin, then yield, then park: what a thread does while it waits for a ring. Allocation-free; one instance
 * per waiting thread. Call {@link #idle()} on every empty attempt and {@link #reset()} after progress.
 */
public final class IdleStrategy {
    private final int spins;
    private final int yields;
    private final long maxParkNanos;
    private int attempts;
    private long parkNanos = 1_000;

    /** Spins {@code spins} times, yields {@code yields} times, then parks with doubling up to {@code maxParkNanos}. */
    public IdleStrategy(int spins, int yields, long maxParkNanos) {
        this.spins = spins;
        this.yields = yields;
        this.maxParkNanos = maxParkNanos;
    }

    /** The default: 1000 spins, 100 yields, park up to 1 ms. */
    public static IdleStrategy backoff() {
        return new IdleStrategy(1000, 100, 1_000_000);
    }

    /** One idle step. */
    public void idle() {
        int a = attempts++;
        if (a < spins) {
            Thread.onSpinWait();
        } else if (a < spins + yields) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(parkNanos << 1, maxParkNanos);
        }
    }

    /** Back to spinning after progress. */
    public void reset() {
        attempts = 0;
        parkNanos = 1_000;
    }
}
