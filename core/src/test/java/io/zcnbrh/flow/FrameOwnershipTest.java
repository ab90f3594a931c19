package io.zcnbrh.flow;

import io.zcnbrh.AuditReport;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
