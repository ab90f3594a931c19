package io.zcnbrh.ring;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random sequences of ring operations against a queue model: order and counts after every step (M4). */
@Tag("unit")
class RingPropertyTest {
    /** 300 seeds: each one a reproducible case (a failure names its seed). */
    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void ringBehavesLikeABoundedFifo(long seed) {
        Random random = new Random(seed);
        // positive: produce up to n; negative: consume up to -n
        List<Integer> ops = new ArrayList<>();
        for (int i = 1 + random.nextInt(300); i > 0; i--) {
            ops.add(random.nextInt(81) - 40);
        }
        int sizeLog = random.nextInt(7);
        int startIndex = random.nextInt(129) - 64;
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
