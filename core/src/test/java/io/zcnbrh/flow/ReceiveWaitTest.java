package io.zcnbrh.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receive wait: block under light traffic, a sleep that keeps a wake-up's batch within a quarter to half a ring. */
class ReceiveWaitTest {
    @Test
    void lightTrafficAndIdleBlockInTheKernel() {
        ReceiveWait w = new ReceiveWait(2048);
        assertEquals(-1, w.next(0), "idle");
        assertEquals(-1, w.next(ReceiveWait.LIGHT - 1), "a trickle");
        assertTrue(w.next(ReceiveWait.LIGHT - 1 + ReceiveWait.LIGHT) > 0, LIGHT_MSG);
    }

    private static final String LIGHT_MSG = "LIGHT packets since the last wait is heavy traffic: sleep";

    @Test
    void theSleepGrowsWhileBatchesAreSmallAndShrinksWhenTheyNearHalfTheRing() {
        ReceiveWait w = new ReceiveWait(2048);
        long total = 0;
        long first = w.next(total += 100); // 100 < 512: longer
        long second = w.next(total += 100);
        assertTrue(second == 2 * first, first + " then " + second);
        long third = w.next(total += 700); // within 512..1024: kept
        assertEquals(second, third);
        long fourth = w.next(total += 1500); // over half the ring: shorter
        assertEquals(third / 2, fourth);
    }

    @Test
    void theSleepStaysWithinItsBounds() {
        ReceiveWait w = new ReceiveWait(2048);
        long total = 0;
        for (int i = 0; i < 100; i++) {
            assertTrue(w.next(total += 20) <= ReceiveWait.MAX_PARK_NANOS);
        }
        assertEquals(ReceiveWait.MAX_PARK_NANOS, w.parkNanos());
        for (int i = 0; i < 100; i++) {
            assertTrue(w.next(total += 2000) >= ReceiveWait.MIN_PARK_NANOS);
        }
        assertEquals(ReceiveWait.MIN_PARK_NANOS, w.parkNanos());
    }
}
