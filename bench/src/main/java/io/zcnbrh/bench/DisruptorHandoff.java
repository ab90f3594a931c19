package io.zcnbrh.bench;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;
import org.openjdk.jmh.infra.Blackhole;

/**
 * LMAX Disruptor single-producer ring of preallocated descriptor events: batch publish with
 * {@code tryNext(n)}/{@code publish(lo, hi)} (the non-blocking form of next(n), so an iteration can end),
 * consumed through an {@link EventPoller}.
 */
final class DisruptorHandoff implements Handoff {
    private final RingBuffer<Descriptor> ring;
    private final EventPoller<Descriptor> poller;
    private final EventPoller.Handler<Descriptor> handler;
    private Blackhole sink;
    private int limit;
    private int taken;
    private long next;

    DisruptorHandoff(int ringSize) {
        ring = RingBuffer.createSingleProducer(Descriptor::new, ringSize, new YieldingWaitStrategy());
        poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
        handler = (event, sequence, endOfBatch) -> {
            sink.consume(event.address + event.length);
            return ++taken < limit;
        };
    }

    @Override
    public int offer(int n) {
        long hi;
        try {
            hi = ring.tryNext(n);
        } catch (InsufficientCapacityException e) {
            return 0;
        }
        long lo = hi - (n - 1);
        for (long s = lo; s <= hi; s++) {
            Descriptor d = ring.get(s);
            d.address = next++ * 2048;
            d.length = 64;
        }
        ring.publish(lo, hi);
        return n;
    }

    @Override
    public int poll(int n, Blackhole bh) {
        sink = bh;
        limit = n;
        taken = 0;
        try {
            poller.poll(handler);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return taken;
    }

    @Override
    public void close() {
    }
}
