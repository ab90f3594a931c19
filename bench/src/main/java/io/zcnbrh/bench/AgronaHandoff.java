package io.zcnbrh.bench;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;

/** Agrona OneToOneRingBuffer with 16-byte descriptor records, written with tryClaim/commit (zero-copy claim). */
final class AgronaHandoff implements Handoff {
    private static final int RECORD = 16;
    private final OneToOneRingBuffer ring;
    private final org.agrona.concurrent.MessageHandler handler;
    /** The consumer's sink at index 16 and the producer's sequence at index 16 of separate padded arrays. */
    private final Blackhole[] sink = new Blackhole[33];
    private final long[] producerSeq = new long[33];

    AgronaHandoff(int ringSize) {
        // each record takes a header (8 bytes) + 16 bytes, aligned to 8: 24 bytes; size the buffer for ringSize records
        int capacity = Integer.highestOneBit(ringSize * 24 - 1) << 1;
        ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
        Blackhole[] sinks = sink;
        handler = (type, buffer, index, length) -> sinks[16].consume(buffer.getLong(index) + buffer.getInt(index + 8));
    }

    @Override
    public int offer(int n) {
        long next = producerSeq[16];
        int i = 0;
        for (; i < n; i++) {
            int index = ring.tryClaim(1, RECORD);
            if (index <= 0) {
                break;
            }
            ring.buffer().putLong(index, next << 11);
            ring.buffer().putInt(index + 8, 64);
            ring.commit(index);
            next++;
        }
        producerSeq[16] = next;
        return i;
    }

    @Override
    public int poll(int n, Blackhole bh) {
        sink[16] = bh;
        return ring.read(handler, n);
    }

    @Override
    public void close() {
    }
}
