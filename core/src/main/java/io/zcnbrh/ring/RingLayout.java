package io.zcnbrh.ring;

/**
 * Where a ring's words live, the shape of the kernel's {@code struct xdp_ring_offset}
 * (include/uapi/linux/if_xdp.h): producer u32, consumer u32, flags u32, then the descriptor array.
 * Entries are 8 bytes (u64 address: fill and completion rings) or 16 bytes ({@code struct xdp_desc}:
 * u64 addr, u32 len, u32 options: RX and TX rings).
 */
public record RingLayout(long producerOffset, long consumerOffset, long flagsOffset, long descOffset, int size,
                         int entrySize) {
    /** Largest ring we accept (M18: rings up to 65 K entries). */
    public static final int MAX_SIZE = 65536;
    /** Bytes between the producer, consumer and flags words, so each sits alone with its neighbour line. */
    public static final int INDEX_SPACING = 128;
    /** {@code XDP_RING_NEED_WAKEUP} (include/uapi/linux/if_xdp.h). */
    public static final int NEED_WAKEUP = 1;

    /** Validates the layout. */
    public RingLayout {
        checkSize(size);
        if (entrySize != 8 && entrySize != 16) {
            throw new IllegalArgumentException("ring entries are 8 (address) or 16 (xdp_desc) bytes, was " + entrySize);
        }
    }

    /** Throws a clear error unless {@code size} is a power of two from 1 to 65536. */
    public static void checkSize(int size) {
        if (size <= 0 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two from 1 to " + MAX_SIZE + ", was "
                + size + (size > 0 && size <= MAX_SIZE ? " (nearest: " + Integer.highestOneBit(size) + " or "
                + Math.min(MAX_SIZE, Integer.highestOneBit(size) << 1) + ")" : ""));
        }
    }

    /** Our own layout for rings in shared memory: producer, consumer and flags 128 bytes apart, then entries. */
    public static RingLayout compact(int size, int entrySize) {
        return new RingLayout(0, INDEX_SPACING, 2L * INDEX_SPACING, 3L * INDEX_SPACING, size, entrySize);
    }

    /** Bytes the whole ring occupies from offset 0 (the descriptor array comes last, as in the kernel's rings). */
    public long byteSize() {
        return descOffset + (long) size * entrySize;
    }
}
