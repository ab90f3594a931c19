package io.zcnbrh.flow.internal;

import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.IllegalFrameTransitionException;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class FrameOwnershipTest {
    @Test
    void countsFollowEveryMoveAndAuditAddsUp() {
        FrameOwnership o = new FrameOwnership(8, FramePlace.FREE, OwnershipMode.FAST);
        assertTrue(o.tryTake(3, FramePlace.FREE));
        assertTrue(o.tryMove(4, FramePlace.FREE, FramePlace.PEER));
        assertFalse(o.tryMove(4, FramePlace.FREE, FramePlace.APP), "frame 4 is not free any more");
        assertEquals(6, o.count(FramePlace.FREE));
        assertEquals(1, o.count(FramePlace.APP));
        assertEquals(1, o.count(FramePlace.PEER));
        AuditReport r = o.audit();
        assertTrue(r.ok(), r.toString());
        assertEquals(8, r.totalFrames());
        o.giveUp(3, FramePlace.FREE, "release");
        assertEquals(7, o.count(FramePlace.FREE));
    }

    @Test
    void doubleReleaseIsRejectedPrecisely() {
        FrameOwnership o = new FrameOwnership(4, FramePlace.FREE, OwnershipMode.FAST);
        o.tryTake(1, FramePlace.FREE);
        o.giveUp(1, FramePlace.FREE, "release");
        IllegalFrameTransitionException e = assertThrows(IllegalFrameTransitionException.class,
            () -> o.giveUp(1, FramePlace.FREE, "release"));
        assertTrue(e.getMessage().contains("cannot release frame 1") && e.getMessage().contains("double release"),
            e.getMessage());
        assertNull(e.getCause(), "fast mode records no take site");
        assertTrue(o.audit().ok(), "a rejected transition changes nothing");
    }

    @Test
    void checkedModeNamesWhereTheFrameWasTaken() {
        FrameOwnership o = new FrameOwnership(4, FramePlace.PEER, OwnershipMode.CHECKED);
        o.tryTake(2, FramePlace.PEER);
        o.giveUp(2, FramePlace.PEER, "release");
        IllegalFrameTransitionException e = assertThrows(IllegalFrameTransitionException.class,
            () -> o.giveUp(2, FramePlace.PEER, "forward"));
        assertTrue(e.getMessage().contains("belongs to the peer"), e.getMessage());
        assertNotNull(e.getCause());
        assertTrue(e.getCause().getMessage().contains("frame 2 taken"));
        o.tryTake(1, FramePlace.PEER);
        assertEquals(1, o.heldByApplication().size());
        assertTrue(o.heldByApplication().get(0).contains("FrameOwnershipTest"), o.heldByApplication().toString());
    }

    @Test
    void releaseOfAFrameNeverReceived() {
        FrameOwnership o = new FrameOwnership(4, FramePlace.FILL, OwnershipMode.FAST);
        IllegalFrameTransitionException e = assertThrows(IllegalFrameTransitionException.class,
            () -> o.giveUp(0, FramePlace.FREE, "release"));
        assertTrue(e.getMessage().contains("never received"), e.getMessage());
    }

    @Test
    void theModesSayWhatTheyAreAndFastModeNamesNoSite() {
        FrameOwnership fast = new FrameOwnership(2, FramePlace.FREE, OwnershipMode.FAST);
        FrameOwnership checked = new FrameOwnership(2, FramePlace.FREE, OwnershipMode.CHECKED);
        assertFalse(fast.checked());
        assertTrue(checked.checked());
        fast.tryTake(0, FramePlace.FREE);
        assertEquals(java.util.List.of("frame 0"), fast.heldByApplication(), "fast mode records no take site");
        assertTrue(fast.isAt(0, FramePlace.APP) && !fast.isAt(1, FramePlace.APP) && fast.isAt(1, FramePlace.FREE));
        assertEquals(FramePlace.APP, fast.placeOf(0));
        assertEquals(2, fast.frameCount());
    }

    /** The audit is the last line of defence: it must see a table that memory corruption (simulated) changed. */
    @Test
    void theAuditSeesACorruptedTable() throws Exception {
        FrameOwnership o = new FrameOwnership(4, FramePlace.FREE, OwnershipMode.FAST);
        o.tryTake(0, FramePlace.FREE);
        java.lang.reflect.Field placeField = FrameOwnership.class.getDeclaredField("place");
        placeField.setAccessible(true);
        byte[] place = (byte[]) placeField.get(o);
        place[1] = (byte) FramePlace.TX.ordinal(); // a frame moved without its count
        AuditReport r = o.audit();
        assertFalse(r.ok());
        assertTrue(r.problems().contains("FREE counted 3 but the table holds 2"), r.toString());
        assertTrue(r.problems().contains("TX counted 0 but the table holds 1"), r.toString());
        assertEquals(Integer.valueOf(3), r.byPlace().get(FramePlace.FREE));
        assertEquals(Integer.valueOf(1), r.byPlace().get(FramePlace.APP));
        assertFalse(r.byPlace().containsKey(FramePlace.TX), "places with no frames by count are left out");
        java.lang.reflect.Field countsField = FrameOwnership.class.getDeclaredField("counts");
        countsField.setAccessible(true);
        int[] counts = (int[]) countsField.get(o);
        place[1] = (byte) FramePlace.FREE.ordinal();
        counts[FramePlace.PEER.ordinal()] = 1; // a count with no frame behind it
        AuditReport lost = o.audit().withProblem("and one more");
        assertTrue(lost.problems().contains("and one more") && !lost.ok());
        assertTrue(lost.problems().contains("counts add up to 5, not 4"), lost.toString());
        assertTrue(lost.problems().contains("PEER counted 1 but the table holds 0"), lost.toString());
    }

    @Test
    void membersOfASharedTableNeverBothTakeAFrameAndTheAuditAddsTheirCountsUp() throws Exception {
        int frames = 4096;
        FrameOwnership table = new FrameOwnership(frames, FramePlace.FREE, OwnershipMode.FAST);
        FrameOwnership a = table.member();
        FrameOwnership b = table.member();
        for (int f = 0; f < frames; f++) {
            assertTrue((f < frames / 2 ? a : b).tryMove(f, FramePlace.FREE, FramePlace.FILL));
        }
        // both threads try to take every frame off the fill ring, as two consumers would if a frame were delivered
        // twice: each frame is taken exactly once, and the winner gives it back
        int[] taken = new int[2];
        java.util.concurrent.atomic.AtomicIntegerArray holder = new java.util.concurrent.atomic.AtomicIntegerArray(frames);
        java.util.concurrent.atomic.AtomicInteger violations = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            FrameOwnership mine = t == 0 ? a : b;
            int id = t;
            threads[t] = Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int round = 0; round < 500; round++) {
                    for (int f = 0; f < frames; f++) {
                        if (mine.tryTake(f, FramePlace.FILL)) {
                            taken[id]++;
                            if (!holder.compareAndSet(f, 0, id + 1)) {
                                violations.incrementAndGet(); // the other one holds it too
                            }
                            holder.set(f, 0);
                            try {
                                mine.giveUp(f, FramePlace.FILL, "release");
                            } catch (IllegalFrameTransitionException e) {
                                violations.incrementAndGet();
                            }
                        }
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, violations.get(), "no frame held by both members at once");
        assertTrue(taken[0] + taken[1] >= frames, "every frame was taken: " + taken[0] + " + " + taken[1]);
        AuditReport audit = a.audit();
        assertTrue(audit.ok(), audit.toString());
        assertEquals(frames, audit.byPlace().get(FramePlace.FILL), "the members' counts add up: " + audit);
        assertEquals(audit.toString(), table.audit().toString(), "a member's audit is the table's");
        assertTrue(a.tryTake(7, FramePlace.FILL));
        IllegalFrameTransitionException twice = assertThrows(IllegalFrameTransitionException.class,
            () -> b.giveUp(8, FramePlace.FILL, "release"));
        assertTrue(twice.getMessage().contains("never received"), twice.getMessage());
        assertFalse(b.tryTake(7, FramePlace.FILL), "a frame one member holds cannot be taken by another");
    }
}
