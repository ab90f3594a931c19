package io.zcnbrh.backend.shm;

import io.zcnbrh.PortConfig;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.ring.RingLayout;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The layout of a {@code shm:} region file: a 4 KiB header, four rings (each page-aligned, in the kernel's
 * AF_XDP ring layout) and the frames. Side A creates the file, side B attaches. Frames {@code [0, n/2)} belong
 * to A, {@code [n/2, n)} to B. Rings: data A->B and B->A ({@code struct xdp_desc} entries), and for each side a
 * return ring carrying the addresses of its frames back to it once the other side released them.
 * Everything read from the header is untrusted and validated against the file size.
 */
final class ShmLayout {
    static final long MAGIC = 0x5A434E4252485348L; // "ZCNBRHSH" read as a big-endian long
    static final int VERSION = 1;
    static final int HEADER_BYTES = 4096;

    static final long OFF_MAGIC = 0;
    static final long OFF_STATE = 8;
    static final long OFF_VERSION = 12;
    static final long OFF_FRAME_SIZE = 16;
    static final long OFF_HEADROOM = 20;
    static final long OFF_FRAME_COUNT = 24;
    static final long OFF_RING_SIZE = 28;
    static final long OFF_RETURN_RING_SIZE = 32;
    static final long OFF_TOTAL_SIZE = 40;
    static final long OFF_FRAMES = 48;
    static final long OFF_RINGS = 64; // 4 x u64
    /** Side s's pid at {@code OFF_PID + 128 * s}: own cache line each. */
    static final long OFF_PID = 256;
    /** Side s's closed flag at {@code OFF_CLOSED + 128 * s}. */
    static final long OFF_CLOSED = 512;

    static final int STATE_READY = 1;

    static final int DATA_A_TO_B = 0;
    static final int DATA_B_TO_A = 1;
    static final int RETURN_TO_A = 2;
    static final int RETURN_TO_B = 3;

    private static final VarHandle INT = JAVA_INT.varHandle();

    final int frameSize;
    final int headroom;
    final int frameCount;
    final int ringSize;
    final int returnRingSize;
    final long[] ringOffsets;
    final long framesOffset;
    final long totalSize;

    private ShmLayout(int frameSize, int headroom, int frameCount, int ringSize, int returnRingSize,
                      long[] ringOffsets, long framesOffset, long totalSize) {
        this.frameSize = frameSize;
        this.headroom = headroom;
        this.frameCount = frameCount;
        this.ringSize = ringSize;
        this.returnRingSize = returnRingSize;
        this.ringOffsets = ringOffsets;
        this.framesOffset = framesOffset;
        this.totalSize = totalSize;
    }

    /**
     * Plans a region for {@code config}. A return ring holds every frame of the other side at once, so
     * releasing never waits for space.
     */
    static ShmLayout plan(PortConfig config) {
        int half = config.frameCount() / 2;
        int returnRing = Integer.bitCount(half) == 1 ? half : Integer.highestOneBit(half) << 1;
        return compute(config.frameSize(), config.headroom(), config.frameCount(), config.ringSize(), returnRing);
    }

    private static ShmLayout compute(int frameSize, int headroom, int frameCount, int ringSize, int returnRingSize) {
        long[] rings = new long[4];
        long off = HEADER_BYTES;
        for (int r = 0; r < 4; r++) {
            rings[r] = off;
            off = PageSize.BASE.roundUp(off + ringLayout(r, ringSize, returnRingSize).byteSize());
        }
        long frames = off;
        long total = PageSize.BASE.roundUp(frames + FrameRegion.bytesFor(frameCount, frameSize));
        return new ShmLayout(frameSize, headroom, frameCount, ringSize, returnRingSize, rings, frames, total);
    }

    private static RingLayout ringLayout(int ring, int ringSize, int returnRingSize) {
        return ring < RETURN_TO_A ? RingLayout.compact(ringSize, 16) : RingLayout.compact(returnRingSize, 8);
    }

    /** The layout of ring {@code ring}, relative to its own segment. */
    RingLayout ring(int ring) {
        return ringLayout(ring, ringSize, returnRingSize);
    }

    /** The segment of ring {@code ring} within the whole region. */
    MemorySegment ringSegment(MemorySegment region, int ring) {
        return region.asSlice(ringOffsets[ring], ring(ring).byteSize());
    }

    /** The frames within the whole region. */
    MemorySegment frames(MemorySegment region) {
        return region.asSlice(framesOffset, FrameRegion.bytesFor(frameCount, frameSize));
    }

    /** Writes the header fields (not the ready state: the creator publishes that last). */
    void write(MemorySegment region) {
        region.set(JAVA_LONG, OFF_MAGIC, MAGIC);
        region.set(JAVA_INT, OFF_VERSION, VERSION);
        region.set(JAVA_INT, OFF_FRAME_SIZE, frameSize);
        region.set(JAVA_INT, OFF_HEADROOM, headroom);
        region.set(JAVA_INT, OFF_FRAME_COUNT, frameCount);
        region.set(JAVA_INT, OFF_RING_SIZE, ringSize);
        region.set(JAVA_INT, OFF_RETURN_RING_SIZE, returnRingSize);
        region.set(JAVA_LONG, OFF_TOTAL_SIZE, totalSize);
        region.set(JAVA_LONG, OFF_FRAMES, framesOffset);
        for (int r = 0; r < 4; r++) {
            region.set(JAVA_LONG, OFF_RINGS + 8L * r, ringOffsets[r]);
        }
    }

    /** Store-release of the ready state: every header field written before is visible to an attacher that load-acquires it. */
    static void publishReady(MemorySegment region) {
        INT.setRelease(region, OFF_STATE, STATE_READY);
    }

    /** Load-acquire of the state word; pairs with {@link #publishReady}. */
    static boolean isReady(MemorySegment region) {
        return (int) INT.getAcquire(region, OFF_STATE) == STATE_READY;
    }

    /** Reads and validates a header written by another process; every inconsistency is a clear error. */
    static ShmLayout read(MemorySegment region, String what) {
        if (region.byteSize() < HEADER_BYTES || region.get(JAVA_LONG, OFF_MAGIC) != MAGIC) {
            throw new ZcnbrhException(what + " is not a Z-CNBRH shm region (bad magic)");
        }
        int version = region.get(JAVA_INT, OFF_VERSION);
        if (version != VERSION) {
            throw new ZcnbrhException(what + " has layout version " + version + ", this library speaks " + VERSION
                + "; run the same Z-CNBRH version on both sides");
        }
        try {
            ShmLayout expected = compute(region.get(JAVA_INT, OFF_FRAME_SIZE), region.get(JAVA_INT, OFF_HEADROOM),
                region.get(JAVA_INT, OFF_FRAME_COUNT), region.get(JAVA_INT, OFF_RING_SIZE),
                region.get(JAVA_INT, OFF_RETURN_RING_SIZE));
            FrameRegion.checkFrameSize(expected.frameSize);
            FrameRegion.checkHeadroom(expected.frameSize, expected.headroom);
            if (expected.frameCount < 2 || expected.frameCount % 2 != 0
                || expected.returnRingSize < expected.frameCount / 2) {
                throw new IllegalArgumentException("frame count " + expected.frameCount + " with return ring "
                    + expected.returnRingSize);
            }
            boolean same = expected.totalSize == region.get(JAVA_LONG, OFF_TOTAL_SIZE)
                && expected.totalSize == region.byteSize()
                && expected.framesOffset == region.get(JAVA_LONG, OFF_FRAMES);
            for (int r = 0; r < 4; r++) {
                same &= expected.ringOffsets[r] == region.get(JAVA_LONG, OFF_RINGS + 8L * r);
            }
            if (!same) {
                throw new IllegalArgumentException("offsets or sizes disagree with the file size " + region.byteSize());
            }
            return expected;
        } catch (IllegalArgumentException e) {
            throw new ZcnbrhException(what + " has an inconsistent header: " + e.getMessage(), e);
        }
    }

    /** The pid recorded for {@code side} (0 when none). */
    static int pid(MemorySegment region, int side) {
        return (int) INT.getAcquire(region, OFF_PID + 128L * side);
    }

    /** Claims {@code side} for {@code pid} if nobody holds it; returns 0 on success, else the holder's pid. */
    static int claimSide(MemorySegment region, int side, int pid) {
        return (int) INT.compareAndExchange(region, OFF_PID + 128L * side, 0, pid);
    }

    /** Store-release of {@code side}'s closed flag. */
    static void markClosed(MemorySegment region, int side) {
        INT.setRelease(region, OFF_CLOSED + 128L * side, 1);
    }

    /** Whether {@code side} has closed. */
    static boolean isClosed(MemorySegment region, int side) {
        return (int) INT.getAcquire(region, OFF_CLOSED + 128L * side) != 0;
    }
}
