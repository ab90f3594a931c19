package io.zcnbrh.ring;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The producer side of a single-producer/single-consumer descriptor ring in the kernel's AF_XDP layout,
 * following libxdp's {@code xsk_ring_prod} (headers/xdp/xsk.h): {@link #reserve}, write entries,
 * {@link #submit}. Indices are free-running u32 values; Java's int overflow wraps exactly as u32 does.
 * One thread uses a producer; it allocates nothing and never throws on the data path (failure is a count of 0).
 */
public final class ProducerRing extends RingPadding {
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

    /** Next index to hand out by reserve (libxdp cached_prod). */
    private int cachedProducer;
    /** Last consumer index seen plus size, so free space is one subtraction (libxdp cached_cons). */
    private int cachedConsumerPlusSize;
    /** The value last stored to the shared producer word; we are its only writer. */
    private int published;
    /** First index handed out by the latest reserve. */
    private int reservedIndex;

    /** Drives the ring described by {@code layout} inside {@code memory}, resuming at its current indices. */
    public ProducerRing(MemorySegment memory, RingLayout layout) {
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
        this.published = (int) INDEX.getAcquire(memory, producerOffset);
        this.cachedProducer = published;
        this.cachedConsumerPlusSize = (int) INDEX.getAcquire(memory, consumerOffset) + size;
    }

    /** Number of entries in the ring. */
    public int size() {
        return size;
    }

    /**
     * Free entries, refreshing the cached consumer index only when fewer than {@code wanted} are known free
     * (libxdp xsk_prod_nb_free). Load-acquire of the consumer index: pairs with the consumer's store-release,
     * so the slots it frees are no longer being read when we overwrite them.
     */
    public int free(int wanted) {
        int free = cachedConsumerPlusSize - cachedProducer;
        if (free >= wanted) {
            return free;
        }
        cachedConsumerPlusSize = (int) INDEX.getAcquire(memory, consumerOffset) + size;
        return cachedConsumerPlusSize - cachedProducer;
    }

    /** Reserves exactly {@code n} entries, or none; returns {@code n} or 0. The first is {@link #reservedIndex()}. */
    public int reserve(int n) {
        if (free(n) < n) {
            return 0;
        }
        reservedIndex = cachedProducer;
        cachedProducer += n;
        return n;
    }

    /** Reserves up to {@code max} entries; returns how many (possibly 0). The first is {@link #reservedIndex()}. */
    public int reserveUpTo(int max) {
        int n = Math.min(free(max), max);
        reservedIndex = cachedProducer;
        cachedProducer += n;
        return n;
    }

    /** Index of the first entry handed out by the latest reserve. */
    public int reservedIndex() {
        return reservedIndex;
    }

    /** Gives back the last {@code n} reserved, unsubmitted entries (libxdp xsk_ring_prod__cancel). */
    public void cancel(int n) {
        cachedProducer -= n;
    }

    /**
     * Publishes {@code n} reserved entries. Store-release of the producer index: every entry written before
     * becomes visible to a consumer that load-acquires this index (libxdp xsk_ring_prod__submit).
     */
    public void submit(int n) {
        published += n;
        INDEX.setRelease(memory, producerOffset, published);
    }

    /** Writes a u64 address entry (fill and completion rings). */
    public void setAddress(int index, long address) {
        memory.set(JAVA_LONG, descOffset + ((long) (index & mask) << entryShift), address);
    }

    /** Writes a {@code struct xdp_desc} entry (RX and TX rings). Plain stores: published by {@link #submit}. */
    public void setDescriptor(int index, long address, int length, int options) {
        long off = descOffset + ((long) (index & mask) << entryShift);
        memory.set(JAVA_LONG, off, address);
        memory.set(JAVA_INT, off + 8, length);
        memory.set(JAVA_INT, off + 12, options);
    }

    /** Whether the other side asked to be woken (XDP_RING_NEED_WAKEUP in the flags word; volatile read). */
    public boolean needsWakeup() {
        return ((int) INDEX.getVolatile(memory, flagsOffset) & RingLayout.NEED_WAKEUP) != 0;
    }

    /** Entries published and not yet consumed, from the shared words (for audits and metrics, not the data path). */
    public int occupancy() {
        return published - (int) INDEX.getAcquire(memory, consumerOffset);
    }
}
