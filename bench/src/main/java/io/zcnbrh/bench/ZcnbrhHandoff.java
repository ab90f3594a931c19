package io.zcnbrh.bench;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;
import io.zcnbrh.ring.RingLayout;
import org.openjdk.jmh.infra.Blackhole;

/** Our ring in the AF_XDP layout, in page-aligned pre-faulted memory, with 16-byte xdp_desc entries. */
final class ZcnbrhHandoff implements Handoff {
    private final Mapping memory;
    private final ProducerRing producer;
    private final ConsumerRing consumer;

    ZcnbrhHandoff(int ringSize) {
        RingLayout layout = RingLayout.compact(ringSize, 16);
        memory = Mapping.anonymous(layout.byteSize(), PageSize.BASE, -1);
        producer = new ProducerRing(memory.segment(), layout);
        consumer = new ConsumerRing(memory.segment(), layout);
    }

    @Override
    public int offer(int n) {
        int k = producer.reserveUpTo(n);
        if (k == 0) {
            return 0;
        }
        int idx = producer.reservedIndex();
        for (int i = 0; i < k; i++) {
            producer.setDescriptor(idx + i, (long) (idx + i) << 11, 64, 0);
        }
        producer.submit(k);
        return k;
    }

    @Override
    public int poll(int n, Blackhole bh) {
        int k = consumer.peek(n);
        if (k == 0) {
            return 0;
        }
        int idx = consumer.peekedIndex();
        for (int i = 0; i < k; i++) {
            bh.consume(consumer.descriptorAddress(idx + i) + consumer.descriptorLength(idx + i));
        }
        consumer.release(k);
        return k;
    }

    @Override
    public void close() {
        memory.close();
    }
}
