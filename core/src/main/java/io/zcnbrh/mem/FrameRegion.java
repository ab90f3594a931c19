package io.zcnbrh.mem;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Fixed-size frames over a page-aligned region (the UMEM of AF_XDP): frame {@code i} starts at address
 * {@code i * frameSize}; its data starts {@code headroom} bytes later. Addresses are offsets into the region,
 * as in the kernel's {@code struct xdp_desc.addr} (include/uapi/linux/if_xdp.h).
 */
public final class FrameRegion {
    /** The bytes before a frame's data that hold its metadata (a u64 timestamp, like XDP metadata). */
    public static final int METADATA_BYTES = 8;

    private final MemorySegment memory;
    private final int frameSize;
    private final int frameShift;
    private final int headroom;
    private final int frameCount;

    /** Views {@code frameCount} frames of {@code frameSize} bytes at the start of {@code memory}. */
    public FrameRegion(MemorySegment memory, int frameSize, int headroom, int frameCount) {
        checkFrameSize(frameSize);
        checkHeadroom(frameSize, headroom);
        if (frameCount <= 0 || (long) frameCount * frameSize > memory.byteSize()) {
            throw new IllegalArgumentException(frameCount + " frames of " + frameSize + " bytes do not fit in "
                + memory.byteSize() + " bytes");
        }
        this.memory = memory;
        this.frameSize = frameSize;
        this.frameShift = Integer.numberOfTrailingZeros(frameSize);
        this.headroom = headroom;
        this.frameCount = frameCount;
    }

    /** Frame sizes the kernel's aligned UMEM mode accepts and we support: 2048 or 4096 (xdp_umem_reg checks). */
    public static void checkFrameSize(int frameSize) {
        if (frameSize != 2048 && frameSize != 4096) {
            throw new IllegalArgumentException("frame size must be 2048 or 4096 bytes, was " + frameSize);
        }
    }

    /** Headroom must leave room for the metadata word and a full 1514-byte Ethernet frame. */
    public static void checkHeadroom(int frameSize, int headroom) {
        if (headroom < METADATA_BYTES || headroom > frameSize - 1514 || headroom % 8 != 0) {
            throw new IllegalArgumentException("headroom must be a multiple of 8 in [" + METADATA_BYTES + ", "
                + (frameSize - 1514) + "] for " + frameSize + "-byte frames, was " + headroom);
        }
    }

    /** Bytes needed for {@code frameCount} frames of {@code frameSize}. */
    public static long bytesFor(int frameCount, int frameSize) {
        return (long) frameCount * frameSize;
    }

    /** The region's memory. */
    public MemorySegment memory() {
        return memory;
    }

    /** Bytes per frame. */
    public int frameSize() {
        return frameSize;
    }

    /** Bytes before the data in each frame. */
    public int headroom() {
        return headroom;
    }

    /** Number of frames. */
    public int frameCount() {
        return frameCount;
    }

    /** Bytes available for packet data in each frame. */
    public int dataCapacity() {
        return frameSize - headroom;
    }

    /** Address of the first byte of frame {@code index}. */
    public long frameAddress(int index) {
        return (long) index << frameShift;
    }

    /** Address of the first data byte of frame {@code index}. */
    public long dataAddress(int index) {
        return ((long) index << frameShift) + headroom;
    }

    /** The frame that holds {@code address} (no bounds check; see {@link #isValid}). */
    public int frameOf(long address) {
        return (int) (address >>> frameShift);
    }

    /**
     * Whether a descriptor {@code {address, length}} from an untrusted writer lies inside one frame's data area
     * (M13: bounds-checked before any read). Only the default data offset is accepted, so a descriptor can
     * never point into another frame or into the metadata.
     */
    public boolean isValid(long address, int length) {
        return address >= 0
            && (address >>> frameShift) < frameCount
            && (address & (frameSize - 1)) == headroom
            && length > 0 && length <= frameSize - headroom;
    }

    /** The native address of frame {@code index}'s first data byte, for the kernel (allocates nothing). */
    public long nativeDataAddress(int index) {
        return memory.address() + dataAddress(index);
    }

    /** A view of frame {@code index}'s data area (allocates: take these once, at open). */
    public MemorySegment dataView(int index) {
        return memory.asSlice(dataAddress(index), dataCapacity());
    }

    /** Writes the frame's metadata timestamp (the 8 bytes before its data). */
    public void setTimestamp(int index, long nanos) {
        memory.set(JAVA_LONG, dataAddress(index) - METADATA_BYTES, nanos);
    }

    /** Reads the frame's metadata timestamp. */
    public long timestamp(int index) {
        return memory.get(JAVA_LONG, dataAddress(index) - METADATA_BYTES);
    }
}
