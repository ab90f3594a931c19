package io.zcnbrh.traffic;

import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;

/**
 * A {@link PacketHandler} that checks {@link SequencedFrames} traffic: every frame must carry the next
 * sequence number (M4, order) and the right content. Counts, never allocates.
 */
public final class SequenceChecker implements PacketHandler {
    private final boolean checkContent;
    private long expected;
    private long packets;
    private long bytes;
    private long outOfOrder;
    private long corrupt;
    private long firstProblemSeq = -1;

    /** A checker of order and content. */
    public SequenceChecker() {
        this(true);
    }

    /** A checker of order, and of content when {@code checkContent} (benchmarks check order only). */
    public SequenceChecker(boolean checkContent) {
        this.checkContent = checkContent;
    }

    @Override
    public void onPacket(Packet packet) {
        check(packet);
    }

    /** Checks one packet. */
    public void check(Packet packet) {
        long seq = SequencedFrames.sequence(packet.segment());
        if (seq != expected) {
            outOfOrder++;
            if (firstProblemSeq < 0) {
                firstProblemSeq = expected;
            }
        }
        if (checkContent && !SequencedFrames.contentMatches(packet.segment(), packet.length())) {
            corrupt++;
            if (firstProblemSeq < 0) {
                firstProblemSeq = seq;
            }
        }
        expected = seq + 1;
        packets++;
        bytes += packet.length();
    }

    /** Packets checked. */
    public long packets() {
        return packets;
    }

    /** Bytes checked. */
    public long bytes() {
        return bytes;
    }

    /** Packets whose sequence number was not the next one. */
    public long outOfOrder() {
        return outOfOrder;
    }

    /** Packets whose content did not match their sequence number. */
    public long corrupt() {
        return corrupt;
    }

    /** Whether every packet was in order and intact. */
    public boolean ok() {
        return outOfOrder == 0 && corrupt == 0;
    }

    @Override
    public String toString() {
        return "packets=" + packets + " order=" + (outOfOrder == 0 ? "ok" : outOfOrder + " out of order (first at "
            + firstProblemSeq + ")") + " content=" + (!checkContent ? "unchecked" : corrupt == 0 ? "ok"
            : corrupt + " corrupt");
    }
}
