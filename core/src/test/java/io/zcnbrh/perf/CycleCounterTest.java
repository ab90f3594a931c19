package io.zcnbrh.perf;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class CycleCounterTest {
    @Test
    void cyclesAreCountedWhereTheMachineHasACounter() {
        CycleCounter c = CycleCounter.open();
        if (c == null) {
            assertNotNull(CycleCounter.unavailableReason());
            assertTrue(CycleCounter.unavailableReason().startsWith("E"), CycleCounter.unavailableReason());
        }
        Assumptions.assumeTrue(c != null, "SKIPPED, missing hardware feature: " + CycleCounter.unavailableReason());
        try (c) {
            long a = c.read();
            long x = 0;
            for (int i = 0; i < 1_000_000; i++) {
                x += i * 31L;
            }
            long b = c.read();
            assertTrue(b > a && x != 0, a + " -> " + b);
        }
    }
}
