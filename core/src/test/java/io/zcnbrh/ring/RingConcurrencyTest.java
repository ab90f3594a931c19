package io.zcnbrh.ring;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.mem.Mapping;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Two threads, ten million descriptors through a small ring: the publication protocol under real contention. */
@Tag("unit")
class RingConcurrencyTest {
    private static final long COUNT = 10_000_000;

    @Test
    void tenMillionDescriptorsCrossInOrderWithTheirPayload() throws Exception {
        RingLayout layout = RingLayout.compact(256, 16);
        try (Mapping mem = Mapping.anonymous(layout.byteSize(), PageSize.BASE, -1)) {
            ProducerRing producer = new ProducerRing(mem.segment(), layout);
            ConsumerRing consumer = new ConsumerRing(mem.segment(), layout);
            AtomicReference<String> failure = new AtomicReference<>();
            Thread t = new Thread(() -> {
                long expected = 0;
                while (expected < COUNT) {
                    int n = consumer.peek(64);
                    if (n == 0) {
                        Thread.onSpinWait();
                        continue;
                    }
                    int idx = consumer.peekedIndex();
                    for (int i = 0; i < n; i++) {
                        long addr = consumer.descriptorAddress(idx + i);
                        int len = consumer.descriptorLength(idx + i);
                        int opt = consumer.descriptorOptions(idx + i);
                        // the three fields were written before the release store: all must match
                        if (addr != expected || len != (int) (expected * 31) || opt != (int) (expected >>> 3)) {
                            failure.compareAndSet(null, "at " + expected + ": addr=" + addr + " len=" + len
                                + " opt=" + opt);
                            return;
                        }
                        expected++;
                    }
                    consumer.release(n);
                }
            }, "consumer");
            t.start();
            long seq = 0;
            int batch = 1;
            while (seq < COUNT && failure.get() == null) {
                int n = producer.reserveUpTo((int) Math.min(batch, COUNT - seq));
                batch = batch % 63 + 1; // vary the batch size 1..63
                for (int i = 0; i < n; i++) {
                    producer.setDescriptor(producer.reservedIndex() + i, seq, (int) (seq * 31), (int) (seq >>> 3));
                    seq++;
                }
                if (n > 0) {
                    producer.submit(n);
                } else {
                    Thread.onSpinWait();
                }
            }
            t.join(120_000);
            assertNull(failure.get());
            assertEquals(0, producer.occupancy());
        }
    }
}
