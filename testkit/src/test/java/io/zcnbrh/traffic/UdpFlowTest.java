package io.zcnbrh.traffic;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.LongStream;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The payload writer (eight pattern bytes per store) writes exactly the bytes the definition names, nothing beyond. */
@Tag("kernel")
class UdpFlowTest {
    static LongStream seeds() {
        return LongStream.range(0, 400);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyPayloadByteIsSeqPlusItsIndexAndTheCheckerAgrees(long seed) {
        Random r = new Random(seed);
        long seq = r.nextLong();
        int length = 8 + r.nextInt(1500);
        int offset = r.nextInt(64);
        MemorySegment packet = MemorySegment.ofArray(new byte[offset + length + 16]);
        packet.fill((byte) 0x5a);
        UdpFlow.writeAt(packet, offset, seq, length);
        assertEquals(seq, packet.get(JAVA_LONG_UNALIGNED, offset));
        for (int i = 8; i < length; i++) {
            assertEquals((byte) (seq + i), packet.get(JAVA_BYTE, offset + i), "byte " + i);
        }
        for (int i = offset + length; i < packet.byteSize(); i++) {
            assertEquals((byte) 0x5a, packet.get(JAVA_BYTE, i), "nothing written past the payload");
        }
        assertTrue(UdpFlow.payloadMatchesAt(packet, offset, offset + length));
        if (length > 8) {
            int at = offset + 8 + r.nextInt(length - 8);
            packet.set(JAVA_BYTE, at, (byte) (packet.get(JAVA_BYTE, at) ^ 1));
            assertFalse(UdpFlow.payloadMatchesAt(packet, offset, offset + length), "a flipped bit is caught");
        }
    }
}
