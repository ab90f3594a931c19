package io.zcnbrh;

import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.flow.IdleStrategy;
import io.zcnbrh.numa.CpuAffinity;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A poll thread: drives one port with a batch handler until closed, optionally pinned to a CPU, waiting by the
 * chosen {@link Idle} when no packet is there. From {@link #start} on, the port belongs to this thread (a port is
 * single-threaded): the caller reads only its counters until {@link #close()} returns.
 */
public final class PollLoop implements AutoCloseable {
    /** What the thread does while the port is empty. */
    public enum Idle {
        /** Spin (Thread.onSpinWait): lowest latency, a whole core, and it starves kernel work sharing the core. */
        BUSY_SPIN,
        /** Spin, then yield, then park with growing pauses ({@link IdleStrategy#backoff()}). */
        BACKOFF,
        /** Sleep in the backend ({@link Port#awaitPackets}): AF_XDP parks briefly, leaving the core to the kernel. */
        BLOCKING
    }

    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private volatile long batches;

    private PollLoop(Port port, PacketHandler handler, Idle idle, int cpu, int budget, String name) {
        this.thread = new Thread(() -> run(port, handler, idle, cpu, budget), name);
    }

    /** Starts a thread named {@code name} polling {@code port} in batches of {@code budget}; {@code cpu < 0}: unpinned. */
    public static PollLoop start(Port port, PacketHandler handler, Idle idle, int cpu, int budget, String name) {
        if (budget <= 0) {
            throw new IllegalArgumentException("batch budget must be positive, was " + budget);
        }
        PollLoop loop = new PollLoop(port, handler, idle, cpu, budget, name);
        loop.thread.setDaemon(true);
        loop.thread.start();
        return loop;
    }

    private void run(Port port, PacketHandler handler, Idle idle, int cpu, int budget) {
        try {
            if (cpu >= 0) {
                CpuAffinity.pinCurrentThread(cpu);
            }
            IdleStrategy backoff = IdleStrategy.backoff();
            long n = 0;
            while (running) {
                if (port.poll(handler, budget) > 0) {
                    n++;
                    backoff.reset();
                    continue;
                }
                port.flush();
                switch (idle) {
                    case BUSY_SPIN -> Thread.onSpinWait();
                    case BACKOFF -> backoff.idle();
                    case BLOCKING -> port.awaitPackets(1_000_000);
                }
                if ((n & 0x3f) == 0) {
                    batches = n;
                }
            }
            batches = n;
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    /** Batches delivered so far (updated now and then; exact after close). */
    public long batches() {
        return batches;
    }

    /** Whether the thread is still polling. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops the thread and waits for it; rethrows what ended it early, if anything did. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t != null) {
            throw new ZcnbrhException("poll thread " + thread.getName() + " failed: " + t, t);
        }
    }
}
