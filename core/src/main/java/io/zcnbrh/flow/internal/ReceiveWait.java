package io.zcnbrh.flow.internal;

/**
 * How a receiver that shares its core with the kernel's receive work (a NAPI thread on the same CPU) waits when its
 * ring is empty, decided from what the last wait brought in. Light traffic (fewer than {@link #LIGHT} packets since
 * the last wait): block in the kernel, which wakes the receiver on the next frame, so a trickle is seen at once and
 * an idle port costs nothing. Heavy traffic: sleep a while instead, so the kernel fills the ring undisturbed and the
 * receiver takes it in one large batch, instead of being woken after every NAPI poll of 64 frames (a context switch
 * each, on the core the kernel needs). The sleep adapts to keep a wake-up's batch between a quarter and half of
 * the ring, and never exceeds the time half the ring takes to fill at 10 Mpps (500 us at most): a burst does not
 * overflow it.
 *
 * <p>Measured on this project's 2-core VM (BENCHMARKS.md): receiving 64-byte frames with NAPI on the receiver's
 * core, blocking in poll(2) after every empty poll took 1.0-1.3 Mpps, a fixed 50 us park 2.2-2.9, this 2.9-4.1.
 * Allocation-free; one instance per receiving thread.
 */
public final class ReceiveWait {
    /** Fewer packets than this since the last wait: light traffic, block in the kernel. */
    public static final int LIGHT = 16;
    /** Bounds of the sleep under heavy traffic. */
    public static final long MIN_PARK_NANOS = 10_000;
    public static final long MAX_PARK_NANOS = 500_000;
    /** The longest sleep is what fills half the ring at 10 Mpps (50 ns a frame): a burst cannot overflow it. */
    static final long NANOS_PER_FRAME_AT_BURST = 50;

    private final int ringSize;
    private final long maxPark;
    private long parkNanos = 50_000;
    private long seen;

    /** For a receive ring of {@code ringSize} entries. */
    public ReceiveWait(int ringSize) {
        this.ringSize = ringSize;
        this.maxPark = Math.max(MIN_PARK_NANOS, Math.min(MAX_PARK_NANOS, ringSize * NANOS_PER_FRAME_AT_BURST));
        this.parkNanos = Math.min(parkNanos, maxPark);
    }

    /** The longest sleep for this ring. */
    public long maxParkNanos() {
        return maxPark;
    }

    /**
     * What to do now, given the count of packets received so far (a running total): nanoseconds to sleep, or -1
     * to block in the kernel until a frame arrives.
     */
    public long next(long receivedSoFar) {
        long got = receivedSoFar - seen;
        seen = receivedSoFar;
        if (got < LIGHT) {
            return -1;
        }
        if (got > ringSize / 2) {
            parkNanos = Math.max(MIN_PARK_NANOS, parkNanos >> 1);
        } else if (got < ringSize / 4) {
            parkNanos = Math.min(maxPark, parkNanos << 1);
        }
        return parkNanos;
    }

    /** The current sleep under heavy traffic. */
    public long parkNanos() {
        return parkNanos;
    }
}
