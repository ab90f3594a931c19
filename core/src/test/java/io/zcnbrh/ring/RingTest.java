package io.zcnbrh.ring;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class RingTest {
    private static MemorySegment memoryFor(RingLayout layout) {
        return Arena.ofAuto().allocate(layout.byteSize(), 4096);
    }

    @Test
    void descriptorsArriveInOrderWithTheirFields() {
        RingLayout layout = RingLayout.compact(8, 16);
        MemorySegment mem = memoryFor(layout);
        ProducerRing p = new ProducerRing(mem, layout);
        ConsumerRing c = new ConsumerRing(mem, layout);
        assertEquals(3, p.reserve(3));
        int idx = p.reservedIndex();
        for (int i = 0; i < 3; i++) {
            p.setDescriptor(idx + i, 4096L * i + 256, 60 + i, i);
        }
        assertEquals(0, c.peek(8), "nothing is visible before submit");
        p.submit(3);
        assertEquals(3, c.peek(8));
        int first = c.peekedIndex();
        for (int i = 0; i < 3; i++) {
            assertEquals(4096L * i + 256, c.descriptorAddress(first + i));
            assertEquals(60 + i, c.descriptorLength(first + i));
            assertEquals(i, c.descriptorOptions(first + i));
        }
        c.release(3);
        assertEquals(0, c.peek(8));
    }

    @Test
    void fullRingRefusesAndFreesAfterRelease() {
        RingLayout layout = RingLayout.compact(4, 8);
        MemorySegment mem = memoryFor(layout);
        ProducerRing p = new ProducerRing(mem, layout);
        ConsumerRing c = new ConsumerRing(mem, layout);
        assertEquals(4, p.reserve(4));
        for (int i = 0; i < 4; i++) {
            p.setAddress(p.reservedIndex() + i, i);
        }
        p.submit(4);
        assertEquals(0, p.reserve(1), "a full ring reserves nothing");
        assertEquals(0, p.reserveUpTo(3));
        assertEquals(2, c.peek(2));
        assertEquals(0, p.reserve(1), "peeked but unreleased slots are still the consumer's");
        c.release(2);
        assertEquals(2, p.reserveUpTo(3));
        assertEquals(0, p.free(1), "two reserved, two still unconsumed");
    }

    @Test
    void indicesWrapAroundTheU32Boundary() {
        RingLayout layout = RingLayout.compact(16, 16);
        MemorySegment mem = memoryFor(layout);
        int start = -5; // 0xFFFFFFFB: 5 entries before the u32 wrap
        mem.set(JAVA_INT, layout.producerOffset(), start);
        mem.set(JAVA_INT, layout.consumerOffset(), start);
        ProducerRing p = new ProducerRing(mem, layout);
        ConsumerRing c = new ConsumerRing(mem, layout);
        long seq = 0;
        long expect = 0;
        for (int round = 0; round < 10; round++) {
            int n = p.reserveUpTo(7);
            for (int i = 0; i < n; i++) {
                p.setDescriptor(p.reservedIndex() + i, seq++, 1, 0);
            }
            p.submit(n);
            int k = c.peek(16);
            for (int i = 0; i < k; i++) {
                assertEquals(expect++, c.descriptorAddress(c.peekedIndex() + i));
            }
            c.release(k);
        }
        assertEquals(70, expect);
        assertTrue(mem.get(JAVA_INT, layout.producerOffset()) > 0, "the producer index wrapped past 2^32");
    }

    @Test
    void cancelGivesEntriesBack() {
        RingLayout layout = RingLayout.compact(4, 16);
        MemorySegment mem = memoryFor(layout);
        ProducerRing p = new ProducerRing(mem, layout);
        ConsumerRing c = new ConsumerRing(mem, layout);
        p.reserve(4);
        p.cancel(2);
        p.setDescriptor(p.reservedIndex(), 7, 1, 0);
        p.setDescriptor(p.reservedIndex() + 1, 8, 1, 0);
        p.submit(2);
        assertEquals(2, p.free(1));
        assertEquals(2, c.peek(4));
        c.cancel(1);
        c.release(1);
        assertEquals(1, c.peek(4));
        assertEquals(8, c.descriptorAddress(c.peekedIndex()));
    }

    @Test
    void hostileProducerIndexIsCappedToOneRing() {
        RingLayout layout = RingLayout.compact(8, 16);
        MemorySegment mem = memoryFor(layout);
        ConsumerRing c = new ConsumerRing(mem, layout);
        mem.set(JAVA_INT, layout.producerOffset(), 1_000_000);
        assertEquals(8, c.peek(1000), "never more than the ring holds");
        // a producer index that went backwards (below the consumer): as an unsigned distance it is huge, and
        // capped to one ring, not read as a negative count
        mem.set(JAVA_INT, layout.producerOffset(), -1000);
        ConsumerRing c2 = new ConsumerRing(mem, layout);
        assertEquals(8, c2.peek(100));
    }

    @Test
    void wakeupFlagIsSeen() {
        RingLayout layout = RingLayout.compact(4, 8);
        MemorySegment mem = memoryFor(layout);
        ProducerRing p = new ProducerRing(mem, layout);
        ConsumerRing c = new ConsumerRing(mem, layout);
        assertFalse(p.needsWakeup());
        c.setFlags(RingLayout.NEED_WAKEUP);
        assertTrue(p.needsWakeup());
    }

    @Test
    void badSizesAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RingLayout.compact(1000, 16));
        assertTrue(e.getMessage().contains("power of two") && e.getMessage().contains("512 or 1024"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RingLayout.compact(131072, 16));
        assertThrows(IllegalArgumentException.class, () -> RingLayout.compact(0, 16));
        assertThrows(IllegalArgumentException.class, () -> RingLayout.compact(16, 12));
        RingLayout.compact(65536, 16);
        RingLayout.compact(1, 8);
        RingLayout small = RingLayout.compact(16, 16);
        assertThrows(IllegalArgumentException.class,
            () -> new ProducerRing(Arena.ofAuto().allocate(64), small));
    }
}
