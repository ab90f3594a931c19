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
 */
final class FrameByteBuf extends UnpooledDirectByteBuf {
    private final ZcnbrhDatagramChannel channel;
    private final Packet packet;

    /** Over {@code payload} (a view of the frame), holding {@code packet} (retained) until released. */
    FrameByteBuf(ByteBufAllocator alloc, ByteBuffer payload, ZcnbrhDatagramChannel channel, Packet packet) {
        super(alloc, payload, payload.remaining()); // wraps without taking ownership: deallocate frees nothing
        this.channel = channel;
        this.packet = packet;
        writerIndex(payload.remaining());
    }

    @Override
    protected void deallocate() {
        super.deallocate();
        channel.releaseFrame(packet);
    }
}
