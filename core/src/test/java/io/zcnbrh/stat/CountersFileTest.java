package io.zcnbrh.stat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNull;

/** A counters file that went away between listing and reading is no snapshot, not an error. */
@Tag("unit")
class CountersFileTest {
    @Test
    void aVanishedFileReadsAsNothing() throws Exception {
        assertNull(CountersFile.read(Path.of("/dev/shm/zcnbrh-no-such-counters-" + System.nanoTime())));
    }
}
