package io.zcnbrh.traffic;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.LongStream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class SequencedFramesTest {
    /** 500 seeds: each one a reproducible case (a failure names its seed). */
    static LongStream seeds() {
        return LongStream.range(0, 500);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyByteFollowsThePatternAndAnyFlipIsCaught(long seed) {
        Random random = new Random(seed);
        long seq = random.nextLong();
        int length = 22 + random.nextInt(1514 - 22 + 1);
        int flip = random.nextInt(1514);
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
