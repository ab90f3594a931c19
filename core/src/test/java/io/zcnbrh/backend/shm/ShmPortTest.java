package io.zcnbrh.backend.shm;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.config.Backpressure;
import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.IllegalFrameTransitionException;
import io.zcnbrh.traffic.SequenceChecker;
import io.zcnbrh.traffic.SequencedFrames;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class ShmPortTest {
    private static final PortConfig SMALL = PortConfig.builder().ringSize(16).frameCount(32)
        .ownershipMode(OwnershipMode.CHECKED).build();

    private static Packet send(ShmPort port, long seq) {
        Packet p = port.claim();
        assertNotNull(p, "a free frame");
        SequencedFrames.write(p.segment(), seq, 64);
        assertTrue(port.transmit(p, 64));
        return p;
    }

    @Test
    void packetsCrossWithoutACopyInOrder() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            Packet sent = send(pair.a, 0);
            long sentAddress = sent.address();
            Packet got = pair.b.poll();
            assertNotNull(got);
            assertEquals(sentAddress, got.address(), "same frame address in the region");
            assertEquals(64, got.length());
            assertTrue(got.timestampNanos() > 0 && got.timestampNanos() <= System.nanoTime());
            // No copy: a byte written through A's mapping of the frame is what B's packet segment shows.
            pair.a.frames().memory().set(JAVA_BYTE, sentAddress + 40, (byte) 0x5A);
            assertEquals((byte) 0x5A, got.segment().get(JAVA_BYTE, 40));
            pair.b.release(got);
            assertEquals(16, pair.a.freeFrames(), "the frame came home: its credit returned");
            assertEquals(32, pair.accountedFrames());
        }
    }

    @Test
    void batchPollReleasesWhatTheHandlerDidNotKeep() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            for (int i = 0; i < 10; i++) {
                send(pair.a, i);
            }
            SequenceChecker checker = new SequenceChecker();
            List<Packet> kept = new ArrayList<>();
            int n = pair.b.poll(p -> {
                checker.check(p);
                if (SequencedFrames.sequence(p.segment()) % 3 == 0) {
                    kept.add(p.retain());
                }
            }, 64);
            assertEquals(10, n);
            assertTrue(checker.ok(), checker.toString());
            assertEquals(4, kept.size());
            assertEquals(4, pair.b.audit().count(FramePlace.APP));
            assertEquals(12, pair.a.freeFrames());
            kept.forEach(pair.b::release);
            assertEquals(16, pair.a.freeFrames());
            assertTrue(pair.a.audit().ok() && pair.b.audit().ok());
        }
    }

    @Test
    void forwardSendsTheReceivedFrameBackWithoutACopy() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            send(pair.a, 7);
            Packet atB = pair.b.poll();
            long address = atB.address();
            assertTrue(pair.b.forward(atB));
            assertEquals(1, pair.b.counters().get(Counter.FORWARDED));
            Packet back = pair.a.poll();
            assertNotNull(back);
            assertEquals(address, back.address(), "the very same frame came back");
            assertEquals(7, SequencedFrames.sequence(back.segment()));
            pair.a.release(back);
            assertEquals(16, pair.a.freeFrames());
            assertEquals(32, pair.accountedFrames());
        }
    }

    @Test
    void illegalTransitionsAreRejectedAndChangeNothing() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            send(pair.a, 0);
            Packet p = pair.b.poll();
            pair.b.release(p);
            IllegalFrameTransitionException twice = assertThrows(IllegalFrameTransitionException.class,
                () -> pair.b.release(p));
            assertTrue(twice.getMessage().contains("cannot release frame " + p.frameIndex()), twice.getMessage());
            assertThrows(IllegalFrameTransitionException.class, () -> pair.b.forward(p), "forward after release");
            assertThrows(IllegalFrameTransitionException.class, p::segment, "use after release (checked mode)");
            Packet claimed = pair.a.claim();
            assertThrows(IllegalArgumentException.class, () -> pair.b.release(claimed), "another port's packet");
            assertThrows(IllegalArgumentException.class, () -> pair.a.transmit(claimed, 0));
            assertThrows(IllegalArgumentException.class, () -> pair.a.transmit(claimed, 100_000));
            pair.a.release(claimed);
            assertTrue(pair.a.audit().ok() && pair.b.audit().ok());
            assertEquals(32, pair.accountedFrames());
        }
    }

    @Test
    void sharedFrameComesBackOnlyAfterTheLastHolder() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            send(pair.a, 0);
            Packet p = pair.b.poll().retain();
            assertEquals(2, p.refCount());
            assertThrows(IllegalStateException.class, () -> pair.b.forward(p), "a shared frame cannot be forwarded");
            pair.b.release(p);
            assertEquals(15, pair.a.freeFrames(), "one holder left");
            pair.b.release(p);
            assertEquals(16, pair.a.freeFrames());
        }
    }

    @Test
    void batchedTransmitsArePublishedPerBatchOrOnFlush() {
        PortConfig batched = PortConfig.builder().ringSize(16).frameCount(32).txBatch(4).build();
        try (ShmPair pair = new ShmPair(batched)) {
            for (int i = 0; i < 3; i++) {
                send(pair.a, i);
            }
            assertNull(pair.b.poll(), "three staged, not yet published");
            assertEquals(32, pair.accountedFrames(), "staged frames are accounted as in flight");
            send(pair.a, 3);
            SequenceChecker checker = new SequenceChecker();
            assertEquals(4, pair.b.poll(checker, 64), "the fourth completed the batch");
            send(pair.a, 4);
            pair.a.flush();
            assertEquals(1, pair.b.poll(checker, 64), "flush published the partial batch");
            assertTrue(checker.ok(), checker.toString());
            assertThrows(IllegalArgumentException.class, () -> PortConfig.builder().ringSize(16).txBatch(17).build());
        }
    }

    @Test
    void claimFlushesStagedPacketsBeforeReportingNoCredit() {
        PortConfig batched = PortConfig.builder().ringSize(16).frameCount(8).txBatch(16).build();
        try (ShmPair pair = new ShmPair(batched)) {
            for (int i = 0; i < 4; i++) {
                send(pair.a, i);
            }
            assertNull(pair.a.claim(), "no frame left");
            assertEquals(4, pair.b.poll(p -> { }, 64), "but the claim published the staged four");
            assertNotNull(pair.a.claim(), "and their credits came back");
        }
    }

    @Test
    void creditBudgetStopsPollingUntilReleased() {
        PortConfig budget3 = PortConfig.builder().ringSize(16).frameCount(32).creditBudget(3).build();
        try (ShmPair pair = new ShmPair(SMALL, budget3)) {
            for (int i = 0; i < 5; i++) {
                send(pair.a, i);
            }
            Packet first = pair.b.poll();
            pair.b.poll();
            pair.b.poll();
            assertNull(pair.b.poll(), "budget of 3 held frames reached");
            assertEquals(1, pair.b.counters().get(Counter.CREDIT_STALLS));
            assertEquals(0, pair.b.poll(p -> { }, 10));
            pair.b.release(first);
            Packet fourth = pair.b.poll();
            assertEquals(3, SequencedFrames.sequence(fourth.segment()), "delivery resumes in order");
        }
    }

    @Test
    void stalledReceiverMeansCountedBackpressureThenResumes() {
        PortConfig drop = PortConfig.builder().ringSize(8).frameCount(32).build();
        try (ShmPair pair = new ShmPair(drop)) {
            long seq = 0;
            for (int i = 0; i < 40; i++) {
                Packet p = pair.a.claim();
                SequencedFrames.write(p.segment(), seq, 64);
                if (pair.a.transmit(p, 64)) {
                    seq++;
                }
            }
            assertEquals(8, seq, "the ring toward the stalled receiver holds 8");
            assertEquals(32, pair.a.counters().get(Counter.DROPS), "transmits that found the ring full");
            assertEquals(32, pair.a.counters().get(Counter.RING_FULL));
            assertEquals(8, pair.a.freeFrames(), "dropped frames went back to the pool, none lost");
            assertTrue(pair.a.audit().ok());
            SequenceChecker checker = new SequenceChecker();
            assertEquals(8, pair.b.poll(checker, 64));
            assertTrue(checker.ok(), "nothing corrupted: " + checker);
            Packet p = pair.a.claim();
            SequencedFrames.write(p.segment(), 8, 64);
            assertTrue(pair.a.transmit(p, 64), "credits returned, sending resumes");
            assertEquals(1, pair.b.poll(checker, 64));
            assertTrue(checker.ok(), "and in order: " + checker);
        }
    }

    @Test
    void senderOutOfFramesIsRefusedUntilTheReceiverReleases() {
        PortConfig frames8 = PortConfig.builder().ringSize(16).frameCount(16).build();
        try (ShmPair pair = new ShmPair(frames8)) {
            for (int i = 0; i < 8; i++) {
                send(pair.a, i);
            }
            assertNull(pair.a.claim(), "all 8 frames are with the receiver");
            assertEquals(1, pair.a.counters().get(Counter.RING_FULL));
            assertEquals(0, pair.a.counters().get(Counter.DROPS), "a refused claim loses nothing");
            pair.b.release(pair.b.poll());
            assertNotNull(pair.a.claim());
        }
    }

    @Test
    void blockPolicyWaitsUntilARelease() throws Exception {
        PortConfig block = PortConfig.builder().ringSize(16).frameCount(4).backpressure(Backpressure.BLOCK)
            .blockTimeout(Duration.ofMinutes(5)).build();
        try (ShmPair pair = new ShmPair(block)) {
            send(pair.a, 0);
            send(pair.a, 1);
            java.util.concurrent.atomic.AtomicReference<io.zcnbrh.Packet> claimed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread claimer = Thread.ofPlatform().start(() -> claimed.set(pair.a.claim()));
            // the claimer has no credit: it spins, yields and parks; only once it parks does b release a frame
            while (claimer.getState() != Thread.State.TIMED_WAITING && claimer.getState() != Thread.State.WAITING) {
                assertTrue(claimer.isAlive(), "the claim returned without a frame to give");
                Thread.onSpinWait();
            }
            pair.b.release(pair.b.poll());
            claimer.join();
            assertNotNull(claimed.get(), "woken by the release");
        }
    }

    @Test
    void blockPolicyGivesUpAfterItsTimeout() {
        PortConfig block = PortConfig.builder().ringSize(16).frameCount(4).backpressure(Backpressure.BLOCK)
            .blockTimeout(Duration.ofMillis(50)).build();
        try (ShmPair pair = new ShmPair(block)) {
            send(pair.a, 0);
            send(pair.a, 1);
            assertNull(pair.a.claim(), "no credit within the timeout");
            assertEquals(1, pair.a.counters().get(Counter.RING_FULL));
            pair.b.release(pair.b.poll());
            assertNotNull(pair.a.claim());
        }
    }

    @Test
    void closeReportsHeldFramesAndReturnsThePeersFrames() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            send(pair.a, 0);
            send(pair.a, 1);
            assertNotNull(pair.b.poll());
            assertNotNull(pair.b.poll());
            pair.b.close();
            assertTrue(pair.a.peerGone());
            assertEquals(16, pair.a.freeFrames(), "a closing peer gives our frames back");
        }
    }

    @Test
    void gonePeerFramesAreReclaimedOnClaim() {
        try (ShmPair pair = new ShmPair(SMALL)) {
            for (int i = 0; i < 16; i++) {
                send(pair.a, i);
            }
            ShmLayout.markClosed(pair.a.mapping().segment(), 1); // the peer dies without returning anything
            assertNotNull(pair.a.claim(), "frames in flight to a gone peer are reclaimed");
            assertEquals(16, pair.a.counters().get(Counter.FRAMES_RECLAIMED));
            AuditReport audit = pair.a.audit();
            assertTrue(audit.ok(), audit.toString());
        }
    }

    @Test
    void regionFileIsPrivateToTheUserAndRemovedOnClose() throws Exception {
        String name;
        try (ShmPair pair = new ShmPair(SMALL)) {
            name = pair.name;
            var perms = Files.getPosixFilePermissions(ShmPort.pathOf(name));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(perms));
            ZcnbrhException third = assertThrows(ZcnbrhException.class, () -> ShmPort.open(name,
                PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH)).build()));
            assertTrue(third.getMessage().contains("already has its second side"), third.getMessage());
        }
        assertFalse(Files.exists(ShmPort.pathOf(name)));
    }

    @Test
    void openErrorsAreClear() {
        assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("nonsense"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("dpdk:0"));
        assertTrue(unknown.getMessage().contains("this build has: afpacket, afxdp, auto, iouring, shm, socket, zcnbrhd"),
            unknown.getMessage()); // every backend the ServiceLoader found
        assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("shm:../etc/passwd"));
        ZcnbrhException missing = assertThrows(ZcnbrhException.class, () -> Zcnbrh.open("shm:" + ShmPair.uniqueName(),
            PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH).withAttachTimeout(Duration.ofMillis(50))).build()));
        assertTrue(missing.getMessage().contains("start the creating side first"), missing.getMessage());
    }

    @Test
    void autoRoleCreatesThenAttaches() {
        String name = ShmPair.uniqueName();
        try (var first = Zcnbrh.open("shm:" + name); var second = Zcnbrh.open("shm:" + name)) {
            assertEquals(0, ((ShmPort) first).side());
            assertEquals(1, ((ShmPort) second).side());
            assertSame("shm", second.backend());
        }
    }
}
