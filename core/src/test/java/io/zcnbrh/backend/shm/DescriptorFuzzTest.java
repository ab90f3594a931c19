package io.zcnbrh.backend.shm;

import org.junit.jupiter.api.Tag;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.zcnbrh.Counter;
import io.zcnbrh.Packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Descriptor validation (M13) fuzzed: a hostile peer writes any descriptors and forged returns into the shared
 * rings. Every descriptor is either delivered or counted as invalid; what is delivered lies inside one frame the
 * peer owned; the victim's ownership audit holds after every input.
 */
@Tag("unit")
class DescriptorFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void anyDescriptorsAreDeliveredSafelyOrCounted(FuzzedDataProvider data) {
        try (HostilePeerTest.Hostile h = new HostilePeerTest.Hostile()) {
            int frames = h.layout.frameCount;
            long regionBytes = (long) frames * h.layout.frameSize;
            int sent = 0;
            int n = data.consumeInt(0, 40);
            for (int i = 0; i < n; i++) {
                long address = switch (data.consumeInt(0, 3)) {
                    case 0 -> data.consumeLong();
                    case 1 -> h.dataAddress(data.consumeInt(-2, frames + 2)) + data.consumeInt(-300, 300);
                    default -> h.dataAddress(data.consumeInt(frames / 2, frames - 1));
                };
                h.sendDescriptor(address, data.consumeInt(-10, h.layout.frameSize + 10));
                sent++;
            }
            int delivered = 0;
            Packet p;
            while ((p = h.victim.poll()) != null) {
                delivered++;
                int frame = p.frameIndex();
                assertTrue(frame >= frames / 2 && frame < frames, "a frame the peer owns: " + frame);
                long start = p.address();
                assertTrue(start >= (long) frame * h.layout.frameSize + h.layout.headroom
                    && start + p.length() <= (long) (frame + 1) * h.layout.frameSize && start + p.length() <= regionBytes,
                    "inside its frame: " + start + "+" + p.length());
                h.victim.release(p);
            }
            assertEquals(sent, delivered + h.victim.counters().get(Counter.INVALID_DESCRIPTORS),
                "every descriptor delivered or counted");
            assertTrue(h.victim.audit().ok(), h.victim.audit().toString());
            // then forged and repeated returns: the free pool never holds a frame twice or one that was not lent
            long lent = 0;
            Packet claimed = h.victim.claim();
            if (claimed != null) {
                lent = claimed.address();
                assertTrue(h.victim.transmit(claimed, 64));
            }
            int returns = data.consumeInt(0, 20);
            for (int i = 0; i < returns && data.remainingBytes() > 0; i++) {
                h.sendReturn(data.consumeBoolean() ? lent : h.dataAddress(data.consumeInt(-1, frames)) + data.consumeInt(-2, 2));
                assertTrue(h.victim.freeFrames() <= frames / 2, "at most its own frames in the pool"); // drains
            }
            assertTrue(h.victim.freeFrames() <= frames / 2, "at most its own frames in the pool");
            assertTrue(h.victim.audit().ok(), h.victim.audit().toString());
        }
    }
}
