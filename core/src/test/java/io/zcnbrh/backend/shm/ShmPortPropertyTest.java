package io.zcnbrh.backend.shm;

import org.junit.jupiter.api.Tag;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.traffic.SequencedFrames;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random sequences of port operations on both sides of a shm port against a simple model: after every
 * step each side's audit holds, every frame of the region is held by a side or in flight on a ring
 * (conservation across the two processes' views), and each direction delivers in order (M2, M4, M5).
 */
@Tag("unit")
class ShmPortPropertyTest {
    enum Op { SEND_A, SEND_B, POLL_A, POLL_B, BATCH_A, BATCH_B, RELEASE_A, RELEASE_B, FORWARD_A, FORWARD_B, FLUSH_A,
        FLUSH_B }

    /** 200 seeds: each one a reproducible case (a failure names its seed). */
    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    /** One side's view for the model: what it sent (in order) and what it holds. */
    private static final class Side {
        final ShmPort port;
        final ArrayDeque<Long> expectedIncoming = new ArrayDeque<>();
        final List<Packet> held = new ArrayList<>();
        long nextSeq;
        /** Of expectedIncoming, how many the sender has surely published (a lower bound: it may publish earlier). */
        int surelyPublished;

        final PortConfig config;

        Side(ShmPort port, long base, PortConfig config) {
            this.port = port;
            this.nextSeq = base;
            this.config = config;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void conservationAndOrderHoldAfterEveryStep(long seed) {
        Random random = new Random(seed);
        List<Op> ops = new ArrayList<>();
        for (int i = 1 + random.nextInt(400); i > 0; i--) {
            ops.add(Op.values()[random.nextInt(Op.values().length)]);
        }
        boolean batchedTx = random.nextBoolean();
        PortConfig config = PortConfig.builder().ringSize(8).frameCount(16).creditBudget(6)
            .ownershipMode(OwnershipMode.CHECKED).txBatch(batchedTx ? 3 : 1).build();
        try (ShmPair pair = new ShmPair(config)) {
            Side a = new Side(pair.a, 0, config);
            Side b = new Side(pair.b, 1_000_000, config);
            for (Op op : ops) {
                switch (op) {
                    case SEND_A -> send(a, b);
                    case SEND_B -> send(b, a);
                    case POLL_A -> poll(a);
                    case POLL_B -> poll(b);
                    case BATCH_A -> batch(a);
                    case BATCH_B -> batch(b);
                    case RELEASE_A -> release(a);
                    case RELEASE_B -> release(b);
                    case FORWARD_A -> forward(a, b);
                    case FORWARD_B -> forward(b, a);
                    case FLUSH_A -> {
                        pair.a.flush();
                        b.surelyPublished = b.expectedIncoming.size();
                    }
                    case FLUSH_B -> {
                        pair.b.flush();
                        a.surelyPublished = a.expectedIncoming.size();
                    }
                }
                AuditReport ra = pair.a.audit();
                AuditReport rb = pair.b.audit();
                assertTrue(ra.ok(), ra.toString());
                assertTrue(rb.ok(), rb.toString());
                assertEquals(16, pair.accountedFrames(), "every frame held by a side or on a ring");
                assertEquals(a.held.size(), pair.a.audit().count(io.zcnbrh.flow.FramePlace.APP));
                assertEquals(b.held.size(), pair.b.audit().count(io.zcnbrh.flow.FramePlace.APP));
            }
            // Drain: everything published and released, all frames home.
            pair.a.flush();
            pair.b.flush();
            a.held.forEach(a.port::release);
            b.held.forEach(b.port::release);
            a.held.clear();
            b.held.clear();
            while (pair.a.poll(p -> {
                assertEquals(a.expectedIncoming.poll(), SequencedFrames.sequence(p.segment()), "order at the end");
            }, 64) + pair.b.poll(p -> {
                assertEquals(b.expectedIncoming.poll(), SequencedFrames.sequence(p.segment()), "order at the end");
            }, 64) > 0) {
                // batch polls release what they deliver
            }
            assertTrue(a.expectedIncoming.isEmpty(), "sent to a and never delivered: " + a.expectedIncoming);
            assertTrue(b.expectedIncoming.isEmpty(), "sent to b and never delivered: " + b.expectedIncoming);
            assertEquals(8, pair.a.freeFrames());
            assertEquals(8, pair.b.freeFrames());
        }
    }

    private static void send(Side from, Side to) {
        Packet p = from.port.claim();
        if (p == null) {
            return;
        }
        SequencedFrames.write(p.segment(), from.nextSeq, 64);
        if (from.port.transmit(p, 64)) {
            to.expectedIncoming.add(from.nextSeq++);
            if (from.config.txBatch() == 1) {
                to.surelyPublished = to.expectedIncoming.size(); // every transmit publishes
            }
        }
    }

    /** Whether a poll must deliver: a packet is surely published and the credit budget has room. */
    private static boolean mustDeliver(Side side) {
        return side.surelyPublished > 0 && side.held.size() < side.config.creditBudget();
    }

    private static void received(Side side) {
        side.surelyPublished = Math.max(0, side.surelyPublished - 1);
    }

    private static void poll(Side side) {
        boolean must = mustDeliver(side);
        Packet p = side.port.poll();
        if (p == null) {
            assertTrue(!must, "a published packet was not delivered");
            return; // nothing published yet (staged on the other side) or the credit budget is used up
        }
        received(side);
        Long expected = side.expectedIncoming.poll();
        assertNotNull(expected, "a packet nobody sent");
        assertEquals(expected.longValue(), SequencedFrames.sequence(p.segment()), "order");
        assertTrue(SequencedFrames.contentMatches(p.segment(), p.length()));
        side.held.add(p);
    }

    private static void batch(Side side) {
        boolean must = mustDeliver(side);
        int n = side.port.poll(p -> {
            Long expected = side.expectedIncoming.poll();
            assertNotNull(expected);
            assertEquals(expected.longValue(), SequencedFrames.sequence(p.segment()), "order in batches");
            received(side);
        }, 3);
        assertTrue(n > 0 || !must, "a published packet was not delivered by a batch poll");
    }

    private static void release(Side side) {
        if (!side.held.isEmpty()) {
            side.port.release(side.held.remove(0));
        }
    }

    private static void forward(Side from, Side to) {
        if (from.held.isEmpty()) {
            return;
        }
        Packet p = from.held.remove(from.held.size() - 1);
        long seq = SequencedFrames.sequence(p.segment());
        if (from.port.forward(p)) {
            to.expectedIncoming.add(seq);
            if (from.config.txBatch() == 1) {
                to.surelyPublished = to.expectedIncoming.size();
            }
        } // else dropped for a full ring: the frame went home and was counted; the audit checks that

    }
}
