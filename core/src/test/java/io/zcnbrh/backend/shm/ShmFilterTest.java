package io.zcnbrh.backend.shm;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** shm: has no kernel XDP, so the receiver runs the filter in the interpreter, with the kernel's verdicts. */
@Tag("unit")
class ShmFilterTest {
    @Test
    void theReceiverSeesOnlyMatchingFramesAndTheOthersComeHome() {
        PortConfig plain = PortConfig.builder().ringSize(64).build();
        PortConfig filtered = PortConfig.builder().ringSize(64).filter("ip and udp").build();
        try (ShmPair pair = new ShmPair(plain, filtered)) {
            for (int i = 0; i < 40; i++) {
                Packet p = pair.a.claim();
                MemorySegment s = p.segment();
                s.asSlice(0, 64).fill((byte) 0);
                s.set(JAVA_BYTE, 12, (byte) 0x08);               // IPv4
                s.set(JAVA_BYTE, 14, (byte) 0x45);
                s.set(JAVA_BYTE, 23, (byte) (i % 2 == 0 ? 17 : 6)); // UDP on even frames, TCP on odd
                s.set(JAVA_BYTE, 40, (byte) i);
                assertTrue(pair.a.transmit(p, 64));
            }
            int got = 0;
            for (Packet p = pair.b.poll(); p != null; p = pair.b.poll()) {
                assertEquals(17, p.segment().get(JAVA_BYTE, 23));
                assertEquals(2 * got, p.segment().get(JAVA_BYTE, 40), "in order");
                got++;
                pair.b.release(p);
            }
            assertEquals(20, got);
            assertEquals(20, pair.b.counters().get(Counter.FILTER_SOCKET));
            assertEquals(20, pair.b.counters().get(Counter.FILTER_PASS));
            assertEquals(20, pair.b.counters().get(Counter.PACKETS_RX), "packets_rx counts delivered frames");
            assertNull(pair.b.poll());
            assertTrue(pair.b.audit().ok());
            assertEquals(pair.accountedFrames(), 128, "the turned-away frames went home");
        }
    }
}
