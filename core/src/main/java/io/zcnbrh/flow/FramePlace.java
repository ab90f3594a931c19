package io.zcnbrh.flow;

/** Where a frame is (M2): every frame is in exactly one place at any time. */
public enum FramePlace {
    /** In this side's free pool, ready to be claimed for transmit or given to the kernel. */
    FREE,
    /** Held by the application (received by poll, or claimed for transmit). */
    APP,
    /** Handed to the peer process: in a ring toward it, held by it, or in its return ring (shm). */
    PEER,
    /** On the kernel's fill ring (AF_XDP). */
    FILL,
    /** Owned by the kernel between the fill ring and the RX ring, or between the TX and completion rings. */
    KERNEL,
    /** On the RX ring, written by the kernel, not yet polled. */
    RX,
    /** On the TX ring, not yet taken by the kernel. */
    TX,
    /** On the completion ring, sent, not yet reclaimed. */
    COMPLETION;

    private static final FramePlace[] VALUES = values();

    /** The place with this ordinal. */
    public static FramePlace of(int ordinal) {
        return VALUES[ordinal];
    }
}
