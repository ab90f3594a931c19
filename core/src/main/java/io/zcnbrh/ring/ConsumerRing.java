package io.zcnbrh.ring;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The consumer side of a single-producer/single-consumer descriptor ring in the kernel's AF_XDP layout,
 * following libxdp's {@code xsk_ring_cons} (headers/xdp/xsk.h): {@link #peek}, read entries,
 * {@link #release}. One thread uses a consumer; it allocates nothing and never throws on the data path.
 */
public final class ConsumerRing extends RingPadding {
    /** Acquire/release views of the u32 index words. */
    private static final VarHandle INDEX = JAVA_INT.varHandle();

    private final MemorySegment memory;
    private final long producerOffset;
    private final long consumerOffset;
    private final long flagsOffset;
    private final long descOffset;
    private final int size;
    private final int mask;
    private final int entryShift;

    /** Last producer index seen (libxdp cached_prod). */
    private int cachedProducer;
    /** Next index to hand out by peek (libxdp cached_cons). */
    private int cachedConsumer;
    /** The value last stored to the shared consumer word; we are its only writer. */
    private int released;
    /** First index handed out by the latest peek. */
    private int peekedIndex;

    /** Drives the ring described by {@code layout} inside {@code memory}, resuming at its current indices. */
    public ConsumerRing(MemorySegment memory, RingLayout layout) {
        if (memory.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException("ring needs " + layout.byteSize() + " bytes, segment has "
                + memory.byteSize());
        }
        this.memory = memory;
        this.producerOffset = layout.producerOffset();
        this.consumerOffset = layout.consumerOffset();
        this.flagsOffset = layout.flagsOffset();
        this.descOffset = layout.descOffset();
        this.size = layout.size();
        this.mask = layout.size() - 1;
        this.entryShift = Integer.numberOfTrailingZeros(layout.entrySize());
        this.released = (int) INDEX.getAcquire(memory, consumerOffset);
        this.cachedConsumer = released;
        this.cachedProducer = (int) INDEX.getAcquire(memory, producerOffset);
    }

    /** Number of entries in the ring. */
    public int size() {
        return size;
    }

    /**
     * Entries ready to read, refreshing the cached producer index only when none are known (libxdp
     * xsk_cons_nb_avail). Load-acquire of the producer index: pairs with the producer's store-release, so
     * every entry below it is fully written before we read it.
     */
    public int available(int max) {
        int entries = cachedProducer - cachedConsumer;
        if (entries == 0) {
            cachedProducer = (int) INDEX.getAcquire(memory, producerOffset);
            entries = cachedProducer - cachedConsumer;
        }
        // A producer in another process is untrusted: never believe more than a full ring (u32 compare).
        if (Integer.compareUnsigned(entries, size) > 0) {
            entries = size;
        }
        return Math.min(entries, max);
    }

    /** Takes up to {@code max} ready entries; returns how many. The first is {@link #peekedIndex()}. */
    public int peek(int max) {
        int n = available(max);
        peekedIndex = cachedConsumer;
        cachedConsumer += n;
        return n;
    }

    /** Index of the first entry handed out by the latest peek. */
    public int peekedIndex() {
        return peekedIndex;
    }

    /** Puts back the last {@code n} peeked, unreleased entries to be peeked again (libxdp xsk_ring_cons__cancel). */
    public void cancel(int n) {
        cachedConsumer -= n;
    }

    /**
     * Hands {@code n} read entries back to the producer. Store-release of the consumer index: our reads of
     * those entries complete before the producer can see the slots free (libxdp xsk_ring_cons__release).
     */
    public void release(int n) {
        released += n;
        INDEX.setRelease(memory, consumerOffset, released);
    }

    /** Reads a u64 address entry (fill and completion rings). */
    public long address(int index) {
        return memory.get(JAVA_LONG, descOffset + ((long) (index & mask) << entryShift));
    }

    /** Reads the {@code addr} of a {@code struct xdp_desc} entry. */
    public long descriptorAddress(int index) {
        return memory.get(JAVA_LONG, descOffset + ((long) (index & mask) << entryShift));
    }

    /** Reads the {@code len} of a {@code struct xdp_desc} entry. */
    public int descriptorLength(int index) {
        return memory.get(JAVA_INT, descOffset + ((long) (index & mask) << entryShift) + 8);
    }

    /** Reads the {@code options} of a {@code struct xdp_desc} entry. */
    public int descriptorOptions(int index) {
        return memory.get(JAVA_INT, descOffset + ((long) (index & mask) << entryShift) + 12);
    }

    /** Sets or clears a flag in the flags word (the consumer side publishes XDP_RING_NEED_WAKEUP). */
    public void setFlags(int flags) {
        INDEX.setRelease(memory, flagsOffset, flags);
    }

    /** Entries published and not yet released, from the shared words (for audits and metrics). */
    public int occupancy() {
        return (int) INDEX.getAcquire(memory, producerOffset) - released;
    }
}
