package io.zcnbrh.flow.internal;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receive wait: block under light traffic, a sleep that keeps a wake-up's batch within a quarter to half a ring. */
@Tag("unit")
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
    void aSmallRingNeverSleepsLongerThanHalfOfItTakesToFillAtTenMpps() {
        ReceiveWait w = new ReceiveWait(512);
        long total = 0;
        for (int i = 0; i < 50; i++) {
            assertTrue(w.next(total += 20) <= 512 * 50 / 2 * 2, "at most 25.6 us");
        }
        assertEquals(25_600, w.maxParkNanos());
        assertEquals(25_600, w.parkNanos());
    }

    @Test
    void theSleepGrowsWhileBatchesAreSmallAndShrinksWhenTheyNearHalfTheRing() {
        ReceiveWait w = new ReceiveWait(8192);
        long total = 0;
        long first = w.next(total += 100); // 100 < 2048, a quarter: longer
        long second = w.next(total += 100);
        assertTrue(second == 2 * first, first + " then " + second);
        long third = w.next(total += 3000); // within 2048..4096: kept
        assertEquals(second, third);
        long fourth = w.next(total += 5000); // over half the ring: shorter
        assertEquals(third / 2, fourth);
    }

    @Test
    void theSleepStaysWithinItsBounds() {
        ReceiveWait w = new ReceiveWait(16384);
        long total = 0;
        for (int i = 0; i < 100; i++) {
            assertTrue(w.next(total += 20) <= ReceiveWait.MAX_PARK_NANOS);
        }
        assertEquals(ReceiveWait.MAX_PARK_NANOS, w.parkNanos(), "a ring of 2048 would allow 102 us, 8192 the cap");
        for (int i = 0; i < 100; i++) {
            assertTrue(w.next(total += 9000) >= ReceiveWait.MIN_PARK_NANOS);
        }
        assertEquals(ReceiveWait.MIN_PARK_NANOS, w.parkNanos());
    }
}
