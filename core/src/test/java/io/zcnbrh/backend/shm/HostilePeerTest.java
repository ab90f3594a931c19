package io.zcnbrh.backend.shm;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.ring.ProducerRing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deliberately hostile peer (M13, invariant 5): it maps the region file itself and writes descriptors and
 * returns that a well-behaved side never would. Every bad one must be counted and dropped, never read.
 */
@Tag("unit")
class HostilePeerTest {
    private static final PortConfig CONFIG = PortConfig.builder().ringSize(64).frameCount(32).build();

    /** Side A opened normally; the hostile side B maps the same file and drives B's rings by hand. */
    static final class Hostile implements AutoCloseable {
        final ShmPort victim;
        final Mapping raw;
        final ShmLayout layout;
        final ProducerRing data;
        final ProducerRing returns;

        Hostile() {
            String name = ShmPair.uniqueName();
            victim = ShmPort.open(name, PortConfig.builder().ringSize(64).frameCount(32)
                .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build());
            raw = Mapping.openFile(ShmPort.pathOf(name));
            layout = ShmLayout.read(raw.segment(), "test");
            data = new ProducerRing(layout.ringSegment(raw.segment(), ShmLayout.DATA_B_TO_A),
                layout.ring(ShmLayout.DATA_B_TO_A));
            returns = new ProducerRing(layout.ringSegment(raw.segment(), ShmLayout.RETURN_TO_A),
                layout.ring(ShmLayout.RETURN_TO_A));
        }

        long dataAddress(int frame) {
            return (long) frame * layout.frameSize + layout.headroom;
        }

        void sendDescriptor(long address, int length) {
            assertEquals(1, data.reserve(1));
            data.setDescriptor(data.reservedIndex(), address, length, 0);
            data.submit(1);
        }

        void sendReturn(long address) {
            assertEquals(1, returns.reserve(1));
            returns.setAddress(returns.reservedIndex(), address);
            returns.submit(1);
        }

        @Override
        public void close() {
            raw.close();
            victim.close();
        }
    }

    @Test
    void badDescriptorsAreCountedAndDroppedAndGoodOnesStillArrive() {
        try (Hostile h = new Hostile()) {
            int peerFrame = 20; // frames 16..31 belong to side B
            long regionBytes = (long) h.layout.frameCount * h.layout.frameSize;
            long[][] bad = {
                {regionBytes + h.layout.headroom, 64},            // past the last frame
                {-4096, 64},                                       // before the region (into the rings)
                {Long.MAX_VALUE - 10, 64},                         // overflow bait
                {h.dataAddress(peerFrame) + 1, 64},                // not the data offset of a frame
                {h.dataAddress(peerFrame) - h.layout.headroom, 64},// pointing into the metadata/headroom
                {h.dataAddress(peerFrame), 0},                     // empty
                {h.dataAddress(peerFrame), -1},                    // negative length
                {h.dataAddress(peerFrame), h.layout.frameSize},    // longer than the data area: spills into the next frame
                {h.dataAddress(3), 64},                            // a frame of A's that A never lent
            };
            for (long[] d : bad) {
                h.sendDescriptor(d[0], (int) d[1]);
            }
            h.sendDescriptor(h.dataAddress(peerFrame), 100);       // the one good descriptor
            h.sendDescriptor(h.dataAddress(peerFrame), 100);       // the same frame again while A holds it
            Packet good = h.victim.poll();
            assertNotNull(good);
            assertEquals(peerFrame, good.frameIndex());
            assertEquals(100, good.length());
            assertNull(h.victim.poll());
            assertEquals(bad.length + 1, h.victim.counters().get(Counter.INVALID_DESCRIPTORS));
            assertEquals(1, h.victim.counters().get(Counter.PACKETS_RX));
            h.victim.release(good);
            assertTrue(h.victim.audit().ok(), h.victim.audit().toString());
        }
    }

    @Test
    void forgedReturnsCannotDuplicateFramesInTheFreePool() {
        try (Hostile h = new Hostile()) {
            Packet p = h.victim.claim();
            long lent = p.address();
            assertTrue(h.victim.transmit(p, 64));
            h.sendReturn(h.dataAddress(5));      // A's frame 5 was never lent: still in A's pool
            h.sendReturn(h.dataAddress(20));     // B's own frame
            h.sendReturn(12345);                 // not a frame address
            h.sendReturn(lent);                  // the honest return
            h.sendReturn(lent);                  // ... and a second time
            assertEquals(16, h.victim.freeFrames(), "exactly the lent frame came back, once");
            assertEquals(4, h.victim.counters().get(Counter.INVALID_DESCRIPTORS));
            assertTrue(h.victim.audit().ok(), h.victim.audit().toString());
        }
    }

    @Test
    void runawayProducerIndexIsBoundedByTheRing() {
        try (Hostile h = new Hostile()) {
            MemorySegment ring = h.layout.ringSegment(h.raw.segment(), ShmLayout.DATA_B_TO_A);
            ring.set(JAVA_INT, h.layout.ring(ShmLayout.DATA_B_TO_A).producerOffset(), 1_000_000_000);
            int delivered = h.victim.poll(p -> { }, 1000);
            assertEquals(0, delivered, "zeroed slots are all invalid (length 0)");
            assertEquals(16, h.victim.counters().get(Counter.INVALID_DESCRIPTORS),
                "one call reads at most its credit budget (16 here) and never more than a ring");
            assertTrue(h.victim.audit().ok());
        }
    }

    @Test
    void corruptHeadersAreRefusedAtAttach() {
        String name = ShmPair.uniqueName();
        try (ShmPort a = ShmPort.open(name, PortConfig.builder().ringSize(64).frameCount(32)
            .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build());
             Mapping raw = Mapping.openFile(ShmPort.pathOf(name))) {
            MemorySegment header = raw.segment();
            PortConfig attach = PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH).withAttachTimeout(java.time.Duration.ofSeconds(1))).build();
            header.set(JAVA_INT, ShmLayout.OFF_FRAME_COUNT, 1 << 20);
            ZcnbrhException e = assertThrows(ZcnbrhException.class, () -> ShmPort.open(name, attach));
            assertTrue(e.getMessage().contains("inconsistent header"), e.getMessage());
            header.set(JAVA_INT, ShmLayout.OFF_FRAME_COUNT, 32);
            header.set(JAVA_INT, ShmLayout.OFF_FRAME_SIZE, 1000);
            e = assertThrows(ZcnbrhException.class, () -> ShmPort.open(name, attach));
            assertTrue(e.getMessage().contains("frame"), e.getMessage());
            header.set(JAVA_INT, ShmLayout.OFF_FRAME_SIZE, 2048);
            header.set(JAVA_LONG, ShmLayout.OFF_MAGIC, 0);
            e = assertThrows(ZcnbrhException.class, () -> ShmPort.open(name, attach));
            assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
            header.set(JAVA_LONG, ShmLayout.OFF_MAGIC, ShmLayout.MAGIC);
            try (ShmPort b = ShmPort.open(name, attach)) { // the header repaired: the attach goes through
                assertTrue(b.peerAttached());
            }
            assertNotNull(a);
        }
    }
}
