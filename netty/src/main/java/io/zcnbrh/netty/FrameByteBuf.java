package io.zcnbrh.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.zcnbrh.Packet;

import java.nio.ByteBuffer;

/**
 * A ByteBuf over a received datagram's payload where it lies, in the port's frame (the UMEM itself for AF_XDP): no
 * copy, nothing from a pool. When its last reference is released, the frame goes back to the port (the fill ring:
 * the credit, M5), on the channel's event loop whichever thread released it. Until then the frame is the
 * application's, as a Packet it holds would be: a handler that keeps buffers keeps frames from the receive ring.
 *
 * <p>One per frame, made the first time a datagram arrives in that frame at that offset and lent again for every
 * later one ({@link #lend}): the frame cannot come back before this buffer was released, so the buffer is free
 * whenever its frame is. Like a pooled Netty buffer, a reference kept past {@code release()} sees later data.
 */
final class FrameByteBuf extends UnpooledDirectByteBuf {
    private final ZcnbrhDatagramChannel channel;
    private final Packet packet;
    /** Where the view starts in memory: a datagram elsewhere in the frame needs another buffer. */
    private final long start;

    /** Over {@code view} (the frame from the payload's start to its end) of {@code packet}'s frame at {@code start}. */
    FrameByteBuf(ByteBufAllocator alloc, ByteBuffer view, long start, ZcnbrhDatagramChannel channel, Packet packet) {
        super(alloc, view, view.remaining()); // wraps without taking ownership
        this.channel = channel;
        this.packet = packet;
        this.start = start;
    }

    /** Whether this buffer views {@code p}'s frame from {@code address} on. */
    boolean covers(Packet p, long address, int length) {
        return packet == p && start == address && length <= capacity();
    }

    /** Lends the buffer again for a datagram of {@code length} bytes: one reference, indexes 0 to length. */
    FrameByteBuf lend(int length) {
        setRefCnt(1);
        setIndex(0, length);
        return this;
    }

    @Override
    protected void deallocate() {
        // not super's: the view stays for the next datagram in this frame, and the memory is the port's
        channel.releaseFrame(packet);
    }
}
