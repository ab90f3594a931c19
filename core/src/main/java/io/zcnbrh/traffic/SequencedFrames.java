package io.zcnbrh.traffic;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Self-checking test traffic: Ethernet II frames (locally administered MACs 02:00:00:00:00:01 ->
 * 02:00:00:00:00:02, EtherType 0x88B5, IEEE 802 local experimental) carrying a sequence number and a
 * pattern derived from it, so a receiver checks the order and content of every frame with no shared state.
 * Used by the demo, the benchmarks and the tests.
 */
public final class SequencedFrames {
    /** A minimum Ethernet frame without FCS. */
    public static final int MIN_LENGTH = 64;
    private static final int SEQ_OFFSET = 14;
    private static final byte[] HEADER = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, (byte) 0x88, (byte) 0xB5};

    private SequencedFrames() {
    }

    /** Writes frame {@code seq} of {@code length} bytes (at least 22) into {@code frame}. */
    public static void write(MemorySegment frame, long seq, int length) {
        for (int i = 0; i < HEADER.length; i++) {
            frame.set(JAVA_BYTE, i, HEADER[i]);
        }
        frame.set(JAVA_LONG_UNALIGNED, SEQ_OFFSET, seq);
        for (int i = SEQ_OFFSET + 8; i < length; i++) {
            frame.set(JAVA_BYTE, i, (byte) (seq + i));
        }
    }

    /** The sequence number in a frame. */
    public static long sequence(MemorySegment frame) {
        return frame.get(JAVA_LONG_UNALIGNED, SEQ_OFFSET);
    }

    /** Whether the header and the bytes after the sequence number match the pattern. */
    public static boolean contentMatches(MemorySegment frame, int length) {
        if (length < SEQ_OFFSET + 8) {
            return false;
        }
        for (int i = 0; i < HEADER.length; i++) {
            if (frame.get(JAVA_BYTE, i) != HEADER[i]) {
                return false;
            }
        }
        long seq = sequence(frame);
        for (int i = SEQ_OFFSET + 8; i < length; i++) {
            if (frame.get(JAVA_BYTE, i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }
}
