package io.zcnbrh.traffic;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequencedFramesTest {
    @Property(tries = 500)
    void everyByteFollowsThePatternAndAnyFlipIsCaught(@ForAll long seq, @ForAll @IntRange(min = 22, max = 1514) int length,
                                                     @ForAll @IntRange(min = 0, max = 1513) int flip) {
        MemorySegment frame = Arena.ofAuto().allocate(1600);
        SequencedFrames.write(frame, seq, length);
        assertEquals(seq, SequencedFrames.sequence(frame));
        for (int i = 22; i < length; i++) {
            assertEquals((byte) (seq + i), frame.get(JAVA_BYTE, i), "byte " + i);
        }
        assertTrue(SequencedFrames.contentMatches(frame, length));
        int at = flip % length;
        if (at >= 14 && at < 22) {
            return; // the sequence number itself: a different but self-consistent frame only if rewritten
        }
        frame.set(JAVA_BYTE, at, (byte) (frame.get(JAVA_BYTE, at) ^ 0x10));
        assertFalse(SequencedFrames.contentMatches(frame, length), "flip at " + at);
    }
}
