package io.zcnbrh.bench;

import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.infra.Blackhole;

/** JCTools SpscArrayQueue of preallocated descriptor objects (one per slot, so nothing is allocated). */
final class JctoolsHandoff implements Handoff {
    private final SpscArrayQueue<Descriptor> queue;
    private final Descriptor[] pool;
    private final int mask;
    private long next;

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
        int i = 0;
        for (; i < n; i++) {
            Descriptor d = pool[(int) (next & mask)];
            d.address = next * 2048;
            d.length = 64;
            if (!queue.offer(d)) {
                break;
            }
            next++;
        }
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
