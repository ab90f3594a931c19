package io.zcnbrh;

import io.zcnbrh.bpf.programs.XskMetadataProgram;
import io.zcnbrh.error.Errno;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.internal.FrameOwnership;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A frame lent to the application: a flyweight made once per frame when the port opens, so receiving
 * allocates nothing. {@link #segment()} is the frame's data area in the shared region itself (no copy, M3):
 * the raw Ethernet frame from its first byte, {@link #length()} bytes valid, with its {@link #timestampNanos()}
 * (M11). A packet is valid from poll/claim until release/forward/transmit. Only the port machinery lends, sizes
 * and takes back a packet (its subclass {@code io.zcnbrh.backend.Frame}, not exported): the application reads
 * it, writes into {@link #segment()}, and hands it back through its port.
 */
public abstract class Packet {
    private static final VarHandle REF_COUNT;

    static {
        try {
            REF_COUNT = MethodHandles.lookup().findVarHandle(Packet.class, "refCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Marks a timestamp still in the frame's metadata, read only if asked for. */
    private static final long IN_METADATA = Long.MIN_VALUE;

    private final int frame;
    private long address;
    private MemorySegment data;
    private final MemorySegment region;
    private final FrameOwnership ownership;
    private int length;
    private long timestampNanos;
    private int loans;
    /** The next fragment of a multi-buffer packet (null: the last, or a packet of one frame). */
    private Packet next;
    /** Bytes of the whole packet (this fragment and every one after it); set on the first fragment. */
    private int packetLength;
    /** Fragments of the whole packet, this one included; set on the first fragment. */
    private int fragments;
    /** Whether this frame continues another packet (a fragment after the first). */
    private boolean continuation;
    /** Whether the device's receive metadata lies before the packet (AF_XDP with AfXdpOptions.withRxMetadata). */
    private boolean rxMetadata;
    @SuppressWarnings("unused") // accessed through REF_COUNT
    private volatile int refCount;

    /**
     * Made by a port at open: frame {@code frame} whose data starts at {@code address} of {@code region};
     * the frame's metadata timestamp is the u64 just before the data.
     */
    protected Packet(int frame, long address, MemorySegment data, MemorySegment region, FrameOwnership ownership) {
        this.frame = frame;
        this.address = address;
        this.data = data;
        this.region = region;
        this.ownership = ownership;
    }

    /**
     * The frame's data area, starting at the packet's first byte; the first {@link #length()} bytes are the
     * packet, the rest is room to write (for claimed frames). In checked mode, use after release throws (until the
     * frame is lent again: the packet object is the frame's flyweight).
     */
    public MemorySegment segment() {
        if (ownership.checked() && !ownership.isAt(frame, FramePlace.APP)) {
            throw ownership.illegal(frame, "use");
        }
        return data;
    }

    /** The packet's bytes as an exact-length slice (allocates a segment object; prefer segment() + length()). */
    public MemorySegment bytes() {
        return segment().asSlice(0, length);
    }

    /** Valid bytes in {@link #segment()}. */
    public int length() {
        return length;
    }

    /**
     * Bytes of the whole packet: {@link #length()} for a packet of one frame; for a multi-buffer packet (a jumbo
     * frame received as a chain of frames, AF_XDP with XDP_USE_SG) the sum over this first fragment and every
     * {@link #next()} one.
     */
    public int packetLength() {
        return packetLength;
    }

    /**
     * The next fragment of a multi-buffer packet, null for the last one or for a packet of one frame. The fragments
     * are the frames themselves, in the port's shared memory (no copy); the packet is released, forwarded and counted
     * as one through its first fragment.
     */
    public Packet next() {
        return next;
    }

    /** How many frames the packet spans (1 unless it is a multi-buffer packet's first fragment). */
    public int fragmentCount() {
        return fragments;
    }

    /** Whether this is a fragment after the first of a multi-buffer packet (release the first one instead). */
    public boolean isContinuation() {
        return continuation;
    }

    /**
     * Copies the whole packet, every fragment in order, to {@code dst} at {@code offset}; returns the bytes copied
     * (at most what {@code dst} has room for). For a packet of one frame this is one copy of {@link #length()} bytes.
     */
    public int copyTo(MemorySegment dst, long offset) {
        long room = dst.byteSize() - offset;
        long at = 0;
        for (Packet f = this; f != null && at < room; f = f.next) {
            int n = (int) Math.min(f.length, room - at);
            MemorySegment.copy(f.segment(), 0, dst, offset + at, n);
            at += n;
        }
        return (int) at;
    }

    // ---- the device's receive metadata (AF_XDP, AfXdpOptions.withRxMetadata; xdp-rx-metadata.rst) -------------

    /** A field of the receive metadata before the packet, laid out by {@link XskMetadataProgram}. */
    private int metaInt(int offset) {
        return region.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED,
            address - XskMetadataProgram.LENGTH + offset);
    }

    /**
     * What the device said about its receive hash for this packet: 0 when {@link #rxHash()} holds it, else the
     * -errno the kernel returned (EOPNOTSUPP: the driver has none; ENODATA: none for this frame), or
     * {@link Integer#MIN_VALUE} when the port reads no metadata or the frame carried none.
     */
    public int rxHashStatus() {
        return rxMetadata ? metaInt(XskMetadataProgram.HASH_RC) : XskMetadataProgram.ABSENT;
    }

    /** The device's receive hash (RSS), valid when {@link #rxHashStatus()} is 0. */
    public int rxHash() {
        return rxMetadata ? metaInt(XskMetadataProgram.HASH) : 0;
    }

    /** The hash's type (enum xdp_rss_hash_type: L3/L4, IPv4/IPv6, TCP/UDP bits), valid with {@link #rxHash()}. */
    public int rxHashType() {
        return rxMetadata ? metaInt(XskMetadataProgram.HASH_TYPE) : 0;
    }

    /**
     * As {@link #rxHashStatus()}, for {@link #deviceTimestampNanos()}. A stamp of 0 the kernel calls valid reads as
     * ENODATA (61): veth hands on the skb's hardware stamp, 0 for a frame that never had one.
     */
    public int deviceTimestampStatus() {
        if (!rxMetadata) {
            return XskMetadataProgram.ABSENT;
        }
        int rc = metaInt(XskMetadataProgram.TIMESTAMP_RC);
        return rc == 0 && deviceTimestampNanos() == 0 ? -Errno.ENODATA : rc;
    }

    /**
     * When the device received the packet, on its own clock (nanoseconds), valid when
     * {@link #deviceTimestampStatus()} is 0; {@link #timestampNanos()} is the receive clock beside it.
     */
    public long deviceTimestampNanos() {
        return rxMetadata ? region.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
            address - XskMetadataProgram.LENGTH + XskMetadataProgram.TIMESTAMP) : 0;
    }

    /** Marks the device's receive metadata as present before this packet (set after lending). */
    protected void markRxMetadata() {
        this.rxMetadata = true;
    }

    /** Bytes the frame can hold from the packet's first byte. */
    public int capacity() {
        return (int) data.byteSize();
    }

    /**
     * When the packet was produced or received (CLOCK_MONOTONIC nanoseconds, the clock of System.nanoTime()). What
     * that means depends on the backend: shm's sender stamps each frame in its metadata (read here on first use, so
     * a receiver that never asks never touches that cache line); AF_XDP's descriptors carry no time, so the port
     * reads the clock once per batch poll (once per single poll); the other backends stamp the packet when they
     * take it from the kernel. For the device's own receive time see the backend's documentation.
     */
    public long timestampNanos() {
        long ts = timestampNanos;
        if (ts == IN_METADATA) {
            ts = region.get(java.lang.foreign.ValueLayout.JAVA_LONG, address - 8);
            timestampNanos = ts;
        }
        return ts;
    }

    /** The frame's index in the region. */
    public int frameIndex() {
        return frame;
    }

    /** The region address of the first byte (as in {@code struct xdp_desc.addr}). */
    public long address() {
        return address;
    }

    /** The native address of the first byte, to prove no copy was made (checked by address, not only content). */
    public long nativeAddress() {
        return data.address();
    }

    /**
     * Adds a holder: the frame goes back only when every holder has released it. Atomic, since a second holder
     * is what makes the frame shared.
     */
    public Packet retain() {
        REF_COUNT.getAndAdd(this, 1);
        return this;
    }

    /** Current number of holders (0 while the port owns the frame). */
    public int refCount() {
        return (int) REF_COUNT.getOpaque(this);
    }

    // ---- used by the port machinery (io.zcnbrh.backend.Frame makes these public inside the library) ------

    /** Sets the fields when the port hands the packet out; the single holder is the application. */
    protected void lend(int length, long timestampNanos) {
        this.loans++;
        this.length = length;
        this.packetLength = length;
        this.fragments = 1;
        this.next = null;
        this.continuation = false;
        this.rxMetadata = false;
        this.timestampNanos = timestampNanos;
        REF_COUNT.setOpaque(this, 1);
    }

    /**
     * Hands out a packet whose bytes lie wherever the kernel put them (AF_PACKET's TPACKET_V3 blocks pack packets
     * at varying offsets): {@code data} starts at the first byte, {@code address} is its offset in the region.
     * Backends pass cached segments, so this allocates nothing.
     */
    protected void lendAt(long address, MemorySegment data, int length, long timestampNanos) {
        this.address = address;
        this.data = data;
        lend(length, timestampNanos);
    }

    /** Hands a received packet out whose timestamp is in the frame's metadata (read lazily). */
    protected void lendReceived(int length) {
        lend(length, IN_METADATA);
    }

    /**
     * How many times the port has lent this frame: a different number means the application released the packet
     * and this flyweight was lent again (as a claimed frame, say), so it is no longer the packet it was handed.
     */
    protected int loans() {
        return loans;
    }

    /** Sets the length before transmit. */
    protected void length(int length) {
        this.length = length;
        this.packetLength = length;
    }

    /**
     * Appends {@code fragment} (lent, not yet part of a packet) to the multi-buffer packet this is the first fragment
     * of; {@code last} is the current last fragment (this one for the second).
     */
    protected void appendFragment(Packet last, Packet fragment) {
        last.next = fragment;
        fragment.continuation = true;
        this.packetLength += fragment.length;
        this.fragments++;
    }

    /** Takes this fragment out of its packet (when the frames go back one by one); returns the next one. */
    protected Packet detach() {
        if (continuation) {
            REF_COUNT.setOpaque(this, 0); // a later fragment was held through the first one only
        }
        Packet after = next;
        next = null;
        continuation = false;
        fragments = 1;
        packetLength = length;
        return after;
    }

    /** Sets the timestamp before transmit. */
    protected void timestampNanos(long nanos) {
        this.timestampNanos = nanos;
    }

    /**
     * Drops one holder; returns true when it was the last. Plain while there is one holder (nobody else can
     * see the count change), atomic only while the frame is shared.
     */
    protected boolean dropHolder() {
        int count = (int) REF_COUNT.getOpaque(this);
        if (count == 1) {
            REF_COUNT.setOpaque(this, 0);
            return true;
        }
        if (count <= 0) {
            return true; // not lent: let the ownership check report the illegal release
        }
        return (int) REF_COUNT.getAndAdd(this, -1) == 1;
    }

    @Override
    public String toString() {
        return "Packet{frame=" + frame + ", addr=" + address + ", len=" + length + (fragments > 1 ? ", fragments="
            + fragments + ", packetLength=" + packetLength : "") + ", ts=" + timestampNanos + "}";
    }
}
