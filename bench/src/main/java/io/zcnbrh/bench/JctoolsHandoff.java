package io.zcnbrh.bench;

import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.infra.Blackhole;

/** JCTools SpscArrayQueue of preallocated descriptor objects (one per slot, so nothing is allocated). */
final class JctoolsHandoff implements Handoff {
    private final SpscArrayQueue<Descriptor> queue;
    private final Descriptor[] pool;
    private final int mask;
    /** The producer's sequence at index 16: padded inside its own array, shared with no consumer field. */
    private final long[] producerSeq = new long[33];

    JctoolsHandoff(int ringSize) {
        queue = new SpscArrayQueue<>(ringSize);
        // twice the ring: a slot's object is never rewritten while the consumer may still read it
        pool = new Descriptor[ringSize * 2];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = new Descriptor();
        }
        mask = pool.length - 1;
    }

    @Override
    public int offer(int n) {
        long next = producerSeq[16];
        int i = 0;
        for (; i < n; i++) {
            Descriptor d = pool[(int) (next & mask)];
            d.address = next << 11;
            d.length = 64;
            if (!queue.offer(d)) {
                break;
            }
            next++;
        }
        producerSeq[16] = next;
        return i;
    }

    @Override
    public int poll(int n, Blackhole bh) {
        int i = 0;
        for (; i < n; i++) {
            Descriptor d = queue.poll();
            if (d == null) {
                break;
            }
            bh.consume(d.address + d.length);
        }
        return i;
    }

    @Override
    public void close() {
    }
}
