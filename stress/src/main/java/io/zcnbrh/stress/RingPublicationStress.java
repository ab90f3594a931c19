package io.zcnbrh.stress;

import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;
import io.zcnbrh.ring.RingLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Publication: the producer writes a descriptor's fields with plain stores, then store-releases the producer
 * index; the consumer load-acquires the index, then reads the fields. Seeing the index must mean seeing the
 * fields (ProducerRing.submit / ConsumerRing.available).
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "The consumer looked before the producer published: nothing there.")
@Outcome(id = "1, 42, 7", expect = ACCEPTABLE, desc = "The consumer saw the index and the whole descriptor behind it.")
@Outcome(expect = FORBIDDEN, desc = "The index was visible before the descriptor's fields: the release/acquire pair is broken.")
@State
public class RingPublicationStress {
    private final ProducerRing producer;
    private final ConsumerRing consumer;

    public RingPublicationStress() {
        RingLayout layout = RingLayout.compact(4, 16);
        MemorySegment mem = Arena.ofAuto().allocate(layout.byteSize(), 64);
        producer = new ProducerRing(mem, layout);
        consumer = new ConsumerRing(mem, layout);
    }

    @Actor
    public void produce() {
        producer.reserve(1);
        producer.setDescriptor(producer.reservedIndex(), 42, 7, 0);
        producer.submit(1);
    }

    @Actor
    public void consume(III_Result r) {
        if (consumer.peek(1) == 1) {
            int idx = consumer.peekedIndex();
            r.r1 = 1;
            r.r2 = (int) consumer.descriptorAddress(idx);
            r.r3 = consumer.descriptorLength(idx);
        }
    }
}
