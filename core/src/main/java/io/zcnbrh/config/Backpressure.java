package io.zcnbrh.config;

/** What a sender does when it has no credit (no free frame, or the ring toward the receiver is full) (M5). */
public enum Backpressure {
    /** Drop the newest packet and count it in {@code ring_full_count}; the call returns at once. */
    DROP_NEWEST,
    /** Wait (spin, yield, then park) until credit returns or the configured timeout passes. */
    BLOCK
}
