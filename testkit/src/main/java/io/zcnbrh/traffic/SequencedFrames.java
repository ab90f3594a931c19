package io.zcnbrh.traffic;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Self-checking test traffic: Ethernet II frames (locally administered MACs 02:00:00:00:00:01 ->
 * 02:00:00:00:00:02, EtherType 0x88B5, IEEE 802 local experimental) carrying a sequence number at offset 14
 * and, after it, byte {@code i} = {@code (byte) (seq + i)}, so a receiver checks the order and content of
 * every frame with no shared state. Written and checked eight bytes at a time. Used by the demo, the
 * benchmarks and the tests.
 */
public final class SequencedFrames {
    /** A minimum Ethernet frame without FCS. */
    public static final int MIN_LENGTH = 64;
    private static final int SEQ_OFFSET = 14;
    private static final int PATTERN_OFFSET = SEQ_OFFSET + 8;
    private static final byte[] HEADER = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, (byte) 0x88, (byte) 0xB5};
    private static final long HEADER_0 = MemorySegment.ofArray(HEADER).get(JAVA_LONG_UNALIGNED, 0);
    private static final long HEADER_6 = MemorySegment.ofArray(HEADER).get(JAVA_LONG_UNALIGNED, 6);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long HIGH = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;

    private SequencedFrames() {
    }

    /** Eight pattern bytes starting at offset {@code i} for {@code seq}: bytewise (i+k) + seq, no carries (SWAR add). */
    private static long pattern(long seq, int i) {
        long base = lanes(i);
        long add = (seq & 0xFF) * ONES;
        return ((base & LOW7) + (add & LOW7)) ^ ((base ^ add) & HIGH);
    }

    /** The bytes i, i+1, ..., i+7 (mod 256) as a native-order long. */
    private static long lanes(int i) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = (v << 8) | ((i + k) & 0xFF);
        }
        return java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Long.reverseBytes(v);
    }

    /** Writes frame {@code seq} of {@code length} bytes (at least 22) into {@code frame}. */
    public static void write(MemorySegment frame, long seq, int length) {
        frame.set(JAVA_LONG_UNALIGNED, 0, HEADER_0);
        frame.set(JAVA_LONG_UNALIGNED, 6, HEADER_6);
        frame.set(JAVA_LONG_UNALIGNED, SEQ_OFFSET, seq);
        int i = PATTERN_OFFSET;
        for (; i + 8 <= length; i += 8) {
            frame.set(JAVA_LONG_UNALIGNED, i, pattern(seq, i));
        }
        for (; i < length; i++) {
            frame.set(JAVA_BYTE, i, (byte) (seq + i));
        }
    }

    /** The sequence number in a frame. */
    public static long sequence(MemorySegment frame) {
        return frame.get(JAVA_LONG_UNALIGNED, SEQ_OFFSET);
    }

    /** Whether the header and the bytes after the sequence number match the pattern. */
    public static boolean contentMatches(MemorySegment frame, int length) {
        if (length < PATTERN_OFFSET || frame.get(JAVA_LONG_UNALIGNED, 0) != HEADER_0
            || frame.get(JAVA_LONG_UNALIGNED, 6) != HEADER_6) {
            return false;
        }
        long seq = sequence(frame);
        int i = PATTERN_OFFSET;
        for (; i + 8 <= length; i += 8) {
            if (frame.get(JAVA_LONG_UNALIGNED, i) != pattern(seq, i)) {
                return false;
            }
        }
        for (; i < length; i++) {
            if (frame.get(JAVA_BYTE, i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }
}
