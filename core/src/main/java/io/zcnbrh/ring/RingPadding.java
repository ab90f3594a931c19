package io.zcnbrh.ring;

/**
 * 128 bytes at the start of every ring object, so that the producer's and the consumer's cached indices
 * (plain fields, each written by one thread) never share a cache line, or an adjacent-line prefetch pair,
 * with another ring object's fields. Ring objects are usually allocated back to back (a producer and its
 * consumer, or a port's four rings); without this, the two threads' private fields false-share and the
 * hand-off rate drops to a fraction, depending on where the heap happened to put them.
 * The int fills the gap after the object header, which HotSpot would otherwise give to a subclass field.
 */
@SuppressWarnings("unused")
abstract class RingPadding {
    private int gap;
    private long p00, p01, p02, p03, p04, p05, p06, p07;
    private long p08, p09, p10, p11, p12, p13, p14, p15;
}
