package io.zcnbrh.backend.shm;

import org.junit.jupiter.api.Tag;
import io.zcnbrh.PollLoop;
import io.zcnbrh.PortConfig;
import io.zcnbrh.traffic.SequenceChecker;
import io.zcnbrh.traffic.TrafficLoops;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A poll thread per idle strategy receives every packet in order, pinned to CPU 0, and stops on close. */
@Tag("unit")
class PollLoopTest {
    @ParameterizedTest
    @EnumSource(PollLoop.Idle.class)
    void aPollThreadReceivesEverythingInOrder(PollLoop.Idle idle) throws Exception {
        try (ShmPair pair = new ShmPair(PortConfig.builder().ringSize(256).frameCount(512).build())) {
            SequenceChecker checker = new SequenceChecker();
            PollLoop loop = PollLoop.start(pair.b, checker, idle, 0, 64, "poll-" + idle);
            long sent = TrafficLoops.send(pair.a, 0, 100_000, 64, TimeUnit.SECONDS.toNanos(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (checker.packets() < sent && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            loop.close();
            assertFalse(loop.isRunning());
            assertEquals(100_000, sent);
            assertEquals(sent, checker.packets());
            assertTrue(checker.ok(), checker.toString());
            assertTrue(loop.batches() > 0);
            assertTrue(pair.b.audit().ok());
        }
    }

    @ParameterizedTest
    @EnumSource(value = PollLoop.Idle.class, names = "BACKOFF")
    void aFailureInTheHandlerIsReportedOnClose(PollLoop.Idle idle) throws Exception {
        try (ShmPair pair = new ShmPair(PortConfig.builder().ringSize(16).frameCount(32).build())) {
            PollLoop loop = PollLoop.start(pair.b, p -> {
                throw new IllegalStateException("handler failed on purpose");
            }, idle, -1, 8, "failing");
            TrafficLoops.send(pair.a, 0, 1, 64, TimeUnit.SECONDS.toNanos(5));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (loop.isRunning() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, loop::close);
            assertEquals("handler failed on purpose", e.getMessage());
        }
    }
}
