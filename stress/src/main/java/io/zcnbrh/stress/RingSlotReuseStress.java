package io.zcnbrh.stress;

import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;
import io.zcnbrh.ring.RingLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Slot reuse on a one-entry ring that starts full with descriptor 1: the consumer reads it, then
 * store-releases the consumer index; the producer load-acquires that index and only then overwrites the
 * slot with descriptor 2. The consumer must never read 2 (its read happened before it freed the slot).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Consumer read 1; the producer found the ring still full.")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Consumer read 1 and freed the slot; the producer reused it.")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "The producer overwrote a slot the consumer was still reading.")
@State
public class RingSlotReuseStress {
    private final ProducerRing producer;
    private final ConsumerRing consumer;

    public RingSlotReuseStress() {
        RingLayout layout = RingLayout.compact(1, 16);
        MemorySegment mem = Arena.ofAuto().allocate(layout.byteSize(), 64);
        producer = new ProducerRing(mem, layout);
        consumer = new ConsumerRing(mem, layout);
        producer.reserve(1);
        producer.setDescriptor(producer.reservedIndex(), 1, 1, 0);
        producer.submit(1);
    }

    @Actor
    public void produce(II_Result r) {
        if (producer.reserve(1) == 1) {
            producer.setDescriptor(producer.reservedIndex(), 2, 2, 0);
            producer.submit(1);
            r.r2 = 1;
        }
    }

    @Actor
    public void consume(II_Result r) {
        if (consumer.peek(1) == 1) {
            r.r1 = (int) consumer.descriptorAddress(consumer.peekedIndex());
            consumer.release(1);
        }
    }
}
