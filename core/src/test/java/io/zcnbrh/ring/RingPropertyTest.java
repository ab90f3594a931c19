package io.zcnbrh.ring;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random sequences of ring operations against a queue model: order and counts after every step (M4). */
class RingPropertyTest {
    @Provide
    Arbitrary<List<Integer>> operations() {
        // positive: produce up to n; negative: consume up to -n
        return Arbitraries.integers().between(-40, 40).list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 300)
    void ringBehavesLikeABoundedFifo(@ForAll("operations") List<Integer> ops,
                                     @ForAll @IntRange(min = 0, max = 6) int sizeLog,
                                     @ForAll @IntRange(min = -64, max = 64) int startIndex) {
        int size = 1 << sizeLog;
        RingLayout layout = RingLayout.compact(size, 16);
        MemorySegment mem = Arena.ofAuto().allocate(layout.byteSize(), 4096);
        mem.set(JAVA_INT, layout.producerOffset(), startIndex); // also covers the u32 wrap near 0
        mem.set(JAVA_INT, layout.consumerOffset(), startIndex);
        ProducerRing producer = new ProducerRing(mem, layout);
        ConsumerRing consumer = new ConsumerRing(mem, layout);
        ArrayDeque<Long> model = new ArrayDeque<>();
        long nextSeq = 0;
        for (int op : ops) {
            if (op >= 0) {
                int n = producer.reserveUpTo(op);
                assertEquals(Math.min(op, size - model.size()), n);
                for (int i = 0; i < n; i++) {
                    producer.setDescriptor(producer.reservedIndex() + i, nextSeq, (int) (nextSeq & 0x7fff), 0);
                    model.add(nextSeq++);
                }
                producer.submit(n);
            } else {
                int n = consumer.peek(-op);
                // libxdp semantics: the producer index is re-read only when no entry is cached, so a peek may
                // return fewer than are there, but never more, and never none while entries wait
                assertTrue(n <= Math.min(-op, model.size()));
                assertTrue(n > 0 || model.isEmpty());
                for (int i = 0; i < n; i++) {
                    long expected = model.poll();
                    assertEquals(expected, consumer.descriptorAddress(consumer.peekedIndex() + i));
                    assertEquals((int) (expected & 0x7fff), consumer.descriptorLength(consumer.peekedIndex() + i));
                }
                consumer.release(n);
            }
            assertEquals(model.size(), producer.occupancy());
            assertEquals(size - model.size(), producer.free(size));
        }
    }
}
