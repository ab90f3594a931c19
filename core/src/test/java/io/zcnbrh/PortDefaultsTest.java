package io.zcnbrh;

import io.zcnbrh.flow.AuditReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link Port}'s default methods promise, for a backend that implements only the one-at-a-time calls: batch
 * claim takes what is free and never waits, batch transmit counts what went and publishes once, one fragment is a
 * plain transmit and more are refused naming the port, receive waits for packets until its timeout, and the
 * descriptive defaults (mode, no descriptor, Ethernet frames).
 */
@Tag("unit")
class PortDefaultsTest {
    /** A frame object with no memory behind it: the defaults only pass packets along. */
    private static final class Token extends Packet {
        Token(int frame) {
            super(frame, 0, MemorySegment.NULL, MemorySegment.NULL, null);
        }
    }

    /** One-at-a-time calls only, scripted: free frames to claim, a transmit that refuses odd frames. */
    private static final class Minimal implements Port {
        final Deque<Packet> free = new ArrayDeque<>();
        final List<Integer> sent = new ArrayList<>();
        final Deque<Integer> arrivals = new ArrayDeque<>();
        int flushes;
        int waits;

        @Override
        public String backend() {
            return "minimal";
        }

        @Override
        public String spec() {
            return "minimal:0";
        }

        @Override
        public Packet poll() {
            return null;
        }

        @Override
        public int poll(PacketHandler handler, int budget) {
            Integer n = arrivals.poll();
            return n == null ? 0 : Math.min(n, budget);
        }

        @Override
        public void awaitPackets(long timeoutNanos) {
            waits++;
        }

        @Override
        public void release(Packet packet) {
            free.add(packet);
        }

        @Override
        public Packet claim() {
            return free.poll();
        }

        @Override
        public boolean transmit(Packet packet, int length) {
            if (packet.frameIndex() % 2 == 1) {
                return false;
            }
            sent.add(length);
            return true;
        }

        @Override
        public boolean forward(Packet packet) {
            return false;
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public PortCounters counters() {
            return new PortCounters();
        }

        @Override
        public AuditReport audit() {
            return new AuditReport(0, Map.of(), List.of());
        }

        @Override
        public void close() {
        }
    }

    @Test
    void batchClaimTakesWhatIsFreeAndBatchTransmitCountsWhatWentWithOnePublish() {
        Minimal port = new Minimal();
        for (int i = 0; i < 3; i++) {
            port.free.add(new Token(i));
        }
        Packet[] into = new Packet[8];
        assertEquals(3, port.claim(into, 8), "as many as are free, no waiting");
        assertEquals(0, port.claim(into, 8));
        assertEquals(2, port.transmit(into, new int[] {60, 61, 62}, 3), "frame 1 was refused");
        assertEquals(List.of(60, 62), port.sent);
        assertEquals(1, port.flushes, "one publish for the batch");
    }

    @Test
    void oneFragmentIsATransmitAndMoreAreRefusedNamingThePort() {
        Minimal port = new Minimal();
        assertTrue(port.transmitFragments(new Packet[] {new Token(0)}, new int[] {64}, 1));
        UnsupportedOperationException more = assertThrows(UnsupportedOperationException.class,
            () -> port.transmitFragments(new Packet[] {new Token(0), new Token(2)}, new int[] {2048, 100}, 2));
        assertTrue(more.getMessage().startsWith("minimal:0 carries no multi-buffer packets"), more.getMessage());
    }

    @Test
    void receiveWaitsForPacketsUntilItsTimeout() {
        Minimal port = new Minimal();
        port.arrivals.addAll(List.of(0, 0, 5));
        assertEquals(5, port.receive(p -> { }, 64, 10_000_000_000L), "the third poll found five");
        assertEquals(2, port.waits, "waited between the empty polls");
        port.arrivals.add(100);
        assertEquals(64, port.receive(p -> { }, 64, 1), "at most the budget, no wait when packets are there");
        assertEquals(2, port.waits);
        assertEquals(0, port.receive(p -> { }, 64, 1_000_000), "nothing within the timeout");
        assertTrue(port.waits > 2);
        assertEquals("minimal", port.mode());
        assertEquals(-1, port.pollFd());
        assertEquals(Port.Content.ETHERNET_FRAMES, port.content());
    }
}
