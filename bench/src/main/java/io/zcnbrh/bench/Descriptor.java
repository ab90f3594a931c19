package io.zcnbrh.bench;

/** A descriptor object for the peers that pass references (JCTools) or preallocated events (Disruptor). */
final class Descriptor {
    long address;
    int length;
}
