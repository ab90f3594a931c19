package io.zcnbrh.stat;

import io.zcnbrh.Counter;
import io.zcnbrh.PortCounters;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Counters files: what a port publishes is read back (spec, mode, owner, counters, gauges); a file that went away
 * is no snapshot, not an error; a file that lies about itself (anyone may write to /dev/shm) is not read.
 */
@Tag("unit")
class CountersFileTest {
    @Test
    void aVanishedFileReadsAsNothing() {
        assertNull(CountersFile.read(Path.of("/dev/shm/zcnbrh-no-such-counters-" + System.nanoTime())));
    }

    @Test
    void whatIsPublishedIsReadBackAndALyingFileIsNot() throws Exception {
        try (CountersFile f = CountersFile.create("afxdp:test0@0", "copy mode, XDP DRIVER", "rx")) {
            PortCounters c = new PortCounters();
            c.set(Counter.PACKETS_RX, 1234);
            c.set(Counter.XDP_FILL_RING_EMPTY, 5);
            f.publish(c);
            CountersFile.Snapshot s = CountersFile.read(f.path());
            assertNotNull(s);
            assertEquals("afxdp:test0@0", s.spec());
            assertEquals("copy mode, XDP DRIVER", s.mode());
            assertEquals("rx", s.owner());
            assertEquals(ProcessHandle.current().pid(), s.pid());
            assertTrue(s.alive());
            assertTrue(s.updatedMillis() > 0);
            assertEquals(1234L, s.counters().get("packets_rx"));
            assertEquals(5L, s.counters().get("xdp_fill_ring_empty"));
            assertEquals(0L, s.gauges().get("frames_fill"), "gauges are read as gauges, not counters");
            assertTrue(!s.counters().containsKey("frames_fill"));

            byte[] whole = Files.readAllBytes(f.path());
            Path lie = Files.createTempFile("zcnbrh-counters", ".lie");
            try {
                ByteBuffer b = ByteBuffer.wrap(whole.clone()).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(b.capacity() - 40 * (Counter.values().length + 8) - 4, 1 << 20); // more entries than bytes
                Files.write(lie, b.array());
                assertNull(CountersFile.read(lie), "an entry count beyond the file");
                b = ByteBuffer.wrap(whole.clone()).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(28, -1); // a negative spec length
                Files.write(lie, b.array());
                assertNull(CountersFile.read(lie), "a negative length");
                byte[] named = whole.clone();
                named[named.length - 40] = '<'; // a counter name with markup in it
                Files.write(lie, named);
                assertNull(CountersFile.read(lie), "a counter name that is not one");
                Files.write(lie, new byte[whole.length]);
                assertNull(CountersFile.read(lie), "zeros: no magic");
            } finally {
                Files.deleteIfExists(lie);
            }
        }
    }
}
