package io.zcnbrh.backend.shm;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.config.OwnershipMode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the port API promises an application that makes ordinary mistakes or uses it in unusual ways, shown on a
 * shm pair (its two sides in one thread make every interleaving reproducible): a batch handler that throws loses
 * no frame, the auto-release after a batch handler touches only the packet it handed out, and a false transmit
 * means the port took the frame back.
 */
@Timeout(60)
@Tag("unit")
class PortContractTest {
    private static PortConfig config(OwnershipMode mode) {
        return PortConfig.builder().ringSize(256).frameCount(512).ownershipMode(mode).build();
    }

    private static void send(ShmPort from, long seq) {
        Packet p = from.claim();
        p.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, seq);
        assertTrue(from.transmit(p, 64));
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void aThrowingBatchHandlerLosesNoFrame(OwnershipMode mode) {
        try (ShmPair pair = new ShmPair(config(mode))) {
            int count = 2000;
            BitSet seen = new BitSet(count);
            int[] duplicates = {0};
            int[] calls = {0};
            long sent = 0;
            int thrown = 0;
            for (int rounds = 0; seen.cardinality() < count; rounds++) {
                assertTrue(rounds < 100_000, "stuck: " + seen.cardinality() + " of " + count + " seen");
                while (sent < count && pair.a.freeFrames() > 0) {
                    send(pair.a, sent++);
                }
                pair.a.flush();
                try {
                    pair.b.poll(p -> {
                        int seq = (int) p.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                        duplicates[0] += seen.get(seq) ? 1 : 0;
                        seen.set(seq);
                        if (++calls[0] % 7 == 0) {
                            throw new IllegalStateException("the application's bug");
                        }
                    }, 64);
                } catch (IllegalStateException e) {
                    thrown++; // the application catches it and polls on, as a long-running service does
                }
                pair.b.flush();
            }
            assertTrue(thrown > 100, "the handler threw " + thrown + " times");
            assertEquals(0, duplicates[0], "a packet was handed out twice");
            assertEquals(count, seen.cardinality());
            // every frame came home to the sender, and neither side's audit finds a frame owned by nobody
            for (int i = 0; i < 1000 && pair.a.freeFrames() < pair.a.ownFrames(); i++) {
                pair.a.poll();
                pair.a.flush();
                pair.b.flush();
            }
            assertEquals(pair.a.ownFrames(), pair.a.freeFrames(), "frames lost by the throwing handler");
            assertTrue(pair.a.audit().ok(), pair.a.audit().toString());
            assertTrue(pair.b.audit().ok(), pair.b.audit().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(OwnershipMode.class)
    void theAutoReleaseTouchesOnlyThePacketTheHandlerWasGiven(OwnershipMode mode) {
        try (ShmPair pair = new ShmPair(config(mode))) {
            // a keeps all its frames but one, so the frame b gives back is the one a lends next
            List<Packet> hoard = new ArrayList<>();
            for (Packet p = pair.a.claim(); p != null; p = pair.a.claim()) {
                hoard.add(p);
            }
            pair.a.release(hoard.remove(hoard.size() - 1));
            send(pair.a, 1);
            pair.a.flush();
            List<Packet> kept = new ArrayList<>();
            int handed = pair.b.poll(p -> {
                int frame = p.frameIndex();
                pair.b.release(p); // the frame goes home to a...
                pair.b.flush();
                send(pair.a, 2); // ...which takes it back and sends with it again
                pair.a.flush();
                Packet again = pair.b.poll(); // the same flyweight, now a different packet, kept by the handler
                assertEquals(frame, again.frameIndex(), "the test needs the same frame to come back");
                kept.add(again);
            }, 1);
            assertEquals(1, handed);
            Packet again = kept.get(0);
            assertEquals(1, again.refCount(), "the auto-release took a packet the handler kept");
            assertEquals(2, again.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
            pair.b.release(again); // exactly once: still the application's
            hoard.forEach(pair.a::release);
            assertTrue(pair.b.audit().ok(), pair.b.audit().toString());
            assertTrue(pair.a.audit().ok(), pair.a.audit().toString());
        }
    }

    @Test
    void aFalseTransmitMeansThePortTookTheFrameBack() {
        try (ShmPair pair = new ShmPair(PortConfig.builder().ringSize(64).frameCount(512).build())) {
            long drops = pair.a.counters().get(Counter.DROPS);
            int falses = 0;
            for (int i = 0; i < 200 && falses == 0; i++) {
                Packet p = pair.a.claim();
                if (p == null) {
                    break;
                }
                if (!pair.a.transmit(p, 64)) {
                    falses++;
                    assertEquals(0, p.refCount(), "the application still holds a dropped packet");
                }
            }
            assertEquals(1, falses, "the data ring of 64 fills before the 256 frames run out");
            assertEquals(drops + 1, pair.a.counters().get(Counter.DROPS));
            assertTrue(pair.a.audit().ok(), pair.a.audit().toString());
            assertFalse(pair.a.peerGone());
        }
    }
}
