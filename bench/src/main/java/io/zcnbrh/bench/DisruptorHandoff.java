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
    private final PollState state = new PollState();
    private final EventPoller.Handler<Descriptor> handler;

    /** Consumer-only fields, in their own object: no mutable field here is shared with the producer. */
    private static final class PollState {
        Blackhole sink;
        int limit;
        int taken;
    }

    DisruptorHandoff(int ringSize) {
        ring = RingBuffer.createSingleProducer(Descriptor::new, ringSize, new YieldingWaitStrategy());
        poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
        PollState st = state;
        handler = (event, sequence, endOfBatch) -> {
            st.sink.consume(event.address + event.length);
            return ++st.taken < st.limit;
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
            d.address = s << 11;
            d.length = 64;
        }
        ring.publish(lo, hi);
        return n;
    }

    @Override
    public int poll(int n, Blackhole bh) {
        PollState st = state;
        st.sink = bh;
        st.limit = n;
        st.taken = 0;
        try {
            poller.poll(handler);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return st.taken;
    }

    @Override
    public void close() {
    }
}
