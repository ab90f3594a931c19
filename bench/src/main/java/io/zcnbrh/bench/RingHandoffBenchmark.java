package io.zcnbrh.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Descriptor hand-off between two threads (one producer, one consumer), single and in batches: the
 * Z-CNBRH ring against JCTools SpscArrayQueue, Agrona OneToOneRingBuffer and the LMAX Disruptor, in the same
 * invocation. The figure is {@code descriptors}: descriptors consumed per second on the consumer side.
 * Every producer is non-blocking (a full ring returns at once), so an iteration can always end.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RingHandoffBenchmark {
    /** Entries in every ring. */
    public static final int RING_SIZE = 4096;

    @Param({"zcnbrh", "jctools", "agrona", "disruptor"})
    public String impl;

    @Param({"1", "32", "64"})
    public int batch;

    @Param({"true"})
    public boolean onSpinWait;

    private Handoff handoff;

    /** Descriptors consumed, reported per second by JMH. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Consumed {
        public long descriptors;

        @Setup(Level.Iteration)
        public void reset() {
            descriptors = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        handoff = Handoff.create(impl, RING_SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        handoff.close();
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void produce() {
        if (handoff.offer(batch) == 0 && onSpinWait) {
            Thread.onSpinWait();
        }
    }

    @Benchmark
    @Group("handoff")
    @GroupThreads(1)
    public void consume(Consumed consumed, Blackhole bh) {
        int n = handoff.poll(batch, bh);
        if (n == 0 && onSpinWait) {
            Thread.onSpinWait();
        }
        consumed.descriptors += n;
    }
}
