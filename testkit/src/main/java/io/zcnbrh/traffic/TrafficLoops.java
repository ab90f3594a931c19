package io.zcnbrh.traffic;

import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.backend.shm.ShmPort;
import io.zcnbrh.flow.IdleStrategy;

/** The send and receive loops of the demo, the two-process tests and the shm benchmark. */
public final class TrafficLoops {
    private TrafficLoops() {
    }

    /**
     * Sends {@link SequencedFrames} numbered from {@code firstSeq} until {@code count} are sent or
     * {@code maxNanos} pass; waits (spin, yield, park) while there is no credit. Returns how many were sent.
     */
    public static long send(Port port, long firstSeq, long count, int length, long maxNanos) {
        IdleStrategy idle = IdleStrategy.backoff();
        long deadline = System.nanoTime() + maxNanos;
        long sent = 0;
        while (sent < count) {
            Packet p = port.claim();
            if (p == null) {
                if ((sent & 0xFF) == 0 && System.nanoTime() > deadline) {
                    break;
                }
                idle.idle();
                continue;
            }
            SequencedFrames.write(p.segment(), firstSeq + sent, length);
            if (port.transmit(p, length)) {
                sent++;
                idle.reset();
                if ((sent & 0xFFF) == 0 && System.nanoTime() > deadline) {
                    break;
                }
            }
        }
        port.flush();
        return sent;
    }

    /** Waits up to {@code timeoutNanos} for the other side of a shm port to attach; false on timeout. */
    public static boolean awaitPeer(ShmPort port, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!port.peerAttached()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        return true;
    }

    /**
     * Receives into {@code checker} until {@code expected} packets arrived ({@code expected < 0}: until the
     * peer is gone and the ring is empty), or nothing arrived for {@code quietNanos}.
     */
    public static void receive(ShmPort port, SequenceChecker checker, long expected, long quietNanos) {
        IdleStrategy idle = IdleStrategy.backoff();
        long lastProgress = System.nanoTime();
        while (true) {
            if (port.poll(checker, 256) > 0) {
                idle.reset();
                lastProgress = System.nanoTime();
                continue;
            }
            if (expected >= 0 && checker.packets() >= expected) {
                return;
            }
            if (expected < 0 && port.peerGone() && port.poll(checker, 256) == 0) {
                return;
            }
            if (System.nanoTime() - lastProgress > quietNanos) {
                return;
            }
            idle.idle();
        }
    }
}
