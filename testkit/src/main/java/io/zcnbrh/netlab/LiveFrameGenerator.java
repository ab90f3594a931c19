package io.zcnbrh.netlab;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.numa.CpuAffinity;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.NetNamespace;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A traffic generator that keeps up with any receiver on this machine: the kernel itself sends one prebuilt frame
 * out of {@link VethPair#inner} towards {@link VethPair#outer}, over and over, with an XDP_TX program run in
 * BPF_PROG_TEST_RUN's live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18) from one pinned thread.
 *
 * <p>Each call has a fixed set-up cost of tens of milliseconds (net/bpf/test_run.c builds a page pool for the
 * run), so a call must ask for many repetitions or the set-up is what is measured: the first call asks for 2^20,
 * later calls for as many as the measured rate sends in {@link #CALL_SECONDS}. What the generator offered is
 * counted by the frames the kernel was asked to send over the time the calls took ({@link #offeredPps()}), and
 * reported beside every received rate: a receiver that takes all of it measured the generator, not itself.
 */
public final class LiveFrameGenerator implements AutoCloseable {
    /** How long one call should last once the rate is known (set-up below 5 %, stop within about this). */
    public static final double CALL_SECONDS = 0.4;
    private static final int FIRST_REPEAT = 1 << 20;
    private static final int MAX_REPEAT = 1 << 25;

    private final Thread thread;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long frames;
    private volatile long nanos;

    private LiveFrameGenerator(VethPair veth, byte[] frame, int cpu, int batchSize) {
        this.thread = new Thread(() -> {
            try { // entering the namespace can fail too (it is gone): recorded like any failure, thrown at close
                NetNamespace.call(veth.netns, () -> {
                    run(veth, frame, cpu, batchSize);
                    return null;
                });
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "live-frames-generator");
        thread.setDaemon(true);
    }

    /**
     * Starts sending {@code frame} from the inner end of {@code veth}, on {@code cpu} (-1: any), in batches of
     * {@code batchSize} frames (1-256; 0 for the kernel's 64). The outer end needs an XDP program (veth hands
     * XDP_TX frames only to a peer whose NAPI runs: an AF_XDP port's own, or an XDP_PASS one).
     */
    public static LiveFrameGenerator start(VethPair veth, byte[] frame, int cpu, int batchSize) {
        LiveFrameGenerator g = new LiveFrameGenerator(veth, frame, cpu, batchSize);
        g.thread.start();
        return g;
    }

    private void run(VethPair veth, byte[] frame, int cpu, int batchSize) {
        try (BpfProgram tx = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_TX).build(),
            "generator")) {
            if (cpu >= 0) {
                CpuAffinity.pinCurrentThread(cpu);
            }
            int ifindex = Libc.ifindex(veth.inner);
            int repeat = FIRST_REPEAT;
            while (!stop.get()) {
                long t0 = System.nanoTime();
                tx.generate(frame, ifindex, repeat, batchSize);
                long took = System.nanoTime() - t0;
                frames += repeat;
                nanos += took;
                double rate = repeat / (took / 1e9);
                repeat = (int) Math.max(FIRST_REPEAT, Math.min(MAX_REPEAT, rate * CALL_SECONDS));
            }
        } catch (Throwable e) {
            failure.set(e);
        }
    }

    /** Frames the kernel sent so far (whole calls only). */
    public long frames() {
        return frames;
    }

    /** Frames per second over the calls so far (NaN before the first call ends). */
    public double offeredPps() {
        long n = nanos;
        return n == 0 ? Double.NaN : frames / (n / 1e9);
    }

    /** Stops after the running call (at most about {@link #CALL_SECONDS}) and rethrows what made it fail. */
    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f != null) {
            throw new IllegalStateException("the live-frames generator failed: " + f, f);
        }
    }
}
