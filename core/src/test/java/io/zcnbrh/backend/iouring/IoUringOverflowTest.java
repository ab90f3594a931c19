package io.zcnbrh.backend.iouring;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Completions that do not fit the CQ ring are kept by the kernel (IORING_FEAT_NODROP) and must be asked for: a
 * reaper that only reads the ring loses them for good (an io_uring port sending with SEND_ZC ran out of frames).
 */
@Tag("unit")
class IoUringOverflowTest {

    @Test
    void everyCompletionArrivesEvenWhenMoreCompletedThanTheCqRingHolds() {
        try (IoUring ring = new IoUring(16, 32, 0)) {
            long submitted = 0;
            for (int round = 0; round < 6; round++) { // 96 NOPs complete before anything is reaped: 64 overflow
                for (int i = 0; i < 16; i++) {
                    ring.nop(submitted++);
                }
                ring.submit(0);
            }
            long seen = 0;
            long next = 0;
            int misordered = 0;
            while (ring.peek()) {
                misordered += ring.cqeUserData() == next++ ? 0 : 1;
                ring.advance();
                seen++;
            }
            assertEquals(submitted, seen, "every completion, the overflowed ones included");
            assertEquals(0, misordered, "in submission order");
        }
    }
}
