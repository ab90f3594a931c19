package io.zcnbrh.backend.shm;

import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.traffic.SequenceChecker;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hot path allocates nothing per packet: the thread's allocated-bytes counter over a million packets. */
@Tag("unit")
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final long PACKETS = 1_000_000;
    /** "Almost nothing": less than one byte per thousand packets (JIT deoptimisation noise, not per packet). */
    private static final long LIMIT = 16 * 1024;

    private static long moveWithSingleCalls(ShmPair pair, long packets) {
        long moved = 0;
        while (moved < packets) {
            for (int i = 0; i < 32; i++) {
                Packet p = pair.a.claim();
                p.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 14, moved + i);
                pair.a.transmit(p, 64);
            }
            Packet p;
            while ((p = pair.b.poll()) != null) {
                moved++;
                pair.b.release(p);
            }
        }
        return moved;
    }

    private static long moveWithBatches(ShmPair pair, SequenceChecker sink, long packets) {
        long moved = 0;
        while (moved < packets) {
            for (int i = 0; i < 32; i++) {
                Packet p = pair.a.claim();
                io.zcnbrh.traffic.SequencedFrames.write(p.segment(), sink.packets() + i, 64);
                pair.a.transmit(p, 64);
            }
            moved += pair.b.poll(sink, 64);
        }
        return moved;
    }

    @Test
    void pollAndReleaseAllocateNothingPerPacket() {
        try (ShmPair pair = new ShmPair(PortConfig.builder().ringSize(256).frameCount(512).build())) {
            moveWithSingleCalls(pair, 200_000); // warm up: JIT-compile the path
            long tid = Thread.currentThread().threadId();
            long before = THREADS.getThreadAllocatedBytes(tid);
            long moved = moveWithSingleCalls(pair, PACKETS);
            long allocated = THREADS.getThreadAllocatedBytes(tid) - before;
            assertEquals(PACKETS, moved);
            assertTrue(allocated < LIMIT, allocated + " bytes allocated for " + PACKETS + " packets");
        }
    }

    @Test
    void batchPollAllocatesNothingPerPacket() {
        try (ShmPair pair = new ShmPair(PortConfig.builder().ringSize(256).frameCount(512).build())) {
            SequenceChecker checker = new SequenceChecker();
            moveWithBatches(pair, checker, 200_000);
            long tid = Thread.currentThread().threadId();
            long before = THREADS.getThreadAllocatedBytes(tid);
            long moved = moveWithBatches(pair, checker, PACKETS);
            long allocated = THREADS.getThreadAllocatedBytes(tid) - before;
            assertEquals(PACKETS, moved);
            assertTrue(checker.ok(), checker.toString());
            assertTrue(allocated < LIMIT, allocated + " bytes allocated for " + PACKETS + " packets");
        }
    }
}
