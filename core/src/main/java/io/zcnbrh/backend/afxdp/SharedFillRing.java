package io.zcnbrh.backend.afxdp;

import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;
import io.zcnbrh.ring.RingLayout;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one fill ring of several AF_XDP sockets on one queue. Sockets that share a UMEM on the same device and queue
 * share its buffer pool, and with it the first socket's fill and completion rings (af_xdp.rst, XDP_SHARED_UMEM;
 * xsk_bind refuses rings of their own). The kernel's ring has one producer, so each consumer's thread stages the
 * frames it releases on a private ring ({@link #stagingLayout}) and moves them over under one lock, a batch at a
 * time: the lock is taken once per batch, never per packet.
 */
final class SharedFillRing implements AutoCloseable {
    private static final int BATCH = 256;
    private final ProducerRing kernelFill;
    private final boolean needWakeup;
    private final ReentrantLock lock = new ReentrantLock();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment pollFd;
    private final MemorySegment callState;

    /** Over {@code owner}'s fill ring; {@code owner} is the socket that registered the UMEM. */
    SharedFillRing(XskSocket owner) {
        this.kernelFill = owner.fill();
        this.needWakeup = owner.needWakeup();
        this.pollFd = Libc.newPollFd(arena, owner.fd());
        this.callState = Libc.newCallState(arena);
    }

    /** The kernel ring's entries: the most frames the consumers together may keep on it. */
    int size() {
        return kernelFill.size();
    }

    /** A private staging ring of {@code size} entries for one consumer: room for {@code size} frames, a power of two. */
    static RingLayout stagingLayout(int size) {
        return RingLayout.compact(Integer.highestOneBit(Math.max(size, 64) * 2 - 1), 8);
    }

    /**
     * Moves every frame address staged on {@code staged} to the kernel's fill ring, under the lock, and wakes the
     * driver when it asks (need_wakeup: a poll() on any socket of the pool wakes it).
     */
    void publish(ConsumerRing staged) {
        lock.lock();
        try {
            int n;
            while ((n = staged.peek(BATCH)) > 0) {
                // the consumers' frames together are at most half this ring (AfXdpSharedQueue sizes it), so this holds
                if (kernelFill.reserve(n) != n) {
                    staged.cancel(n);
                    throw new IllegalStateException("the shared fill ring is full (" + kernelFill.occupancy()
                        + " of " + kernelFill.size() + "): kernel ring state inconsistent");
                }
                int from = staged.peekedIndex();
                int to = kernelFill.reservedIndex();
                for (int i = 0; i < n; i++) {
                    kernelFill.setAddress(to + i, staged.address(from + i));
                }
                kernelFill.submit(n);
                staged.release(n);
            }
            if (needWakeup && kernelFill.needsWakeup()) {
                Libc.poll(pollFd, 1, 0, callState);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            arena.close();
        } finally {
            lock.unlock();
        }
    }
}
