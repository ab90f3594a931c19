package io.zcnbrh.backend;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortCounters;
import io.zcnbrh.filter.SoftFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.flow.FrameOwnership;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.ring.ConsumerRing;

/**
 * The receive side every ring backend shares: poll one packet or a batch from an RX ring of {@code xdp_desc}
 * entries, lend frames within the credit budget, release them. A backend says how a descriptor becomes a packet
 * ({@link #accept}: bounds and owner checks, M13), where a released frame goes ({@link #giveBack}: the credit) and
 * how staged releases are published ({@link #flushReleases}).
 */
public abstract class RingPort implements Port {
    /** The port's counters (single writer: the port's thread). */
    protected final PortCounters counters = new PortCounters();
    /** The owner of every frame. */
    protected FrameOwnership ownership;
    /** One flyweight per frame. */
    protected Packet[] packets;
    /** Frames the application may hold at once. */
    protected int creditBudget;
    /** Whether a batch poll is running: releases are staged and published once at its end. */
    protected boolean inBatch;
    /** The port's filter run in user space (backends with no kernel XDP in front), or null. */
    protected SoftFilter softFilter;

    /** The ring the packets arrive on. */
    protected abstract ConsumerRing rxRing();

    /** Checks a descriptor and lends its frame to the application, stamped {@code now}; null (and counted) when invalid. */
    protected abstract Packet accept(long address, int length, long now);

    /** Takes back a frame the application no longer holds. */
    protected abstract void giveBack(Packet p);

    /** Publishes the releases staged during a batch. */
    protected abstract void flushReleases();

    /** The receive time of a batch (0 when the backend stamps packets itself). */
    protected long receiveClock() {
        return 0;
    }

    @Override
    public final Packet poll() {
        if (PortRules.budgetSpent(ownership, creditBudget, counters)) {
            return null;
        }
        ConsumerRing rx = rxRing();
        while (rx.peek(1) == 1) {
            int idx = rx.peekedIndex();
            long address = rx.descriptorAddress(idx);
            int length = rx.descriptorLength(idx);
            rx.release(1);
            Packet p = accept(address, length, receiveClock());
            if (p != null && admitted(p)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public final int poll(PacketHandler handler, int budget) {
        int room = Math.min(budget, creditBudget - ownership.count(FramePlace.APP));
        if (room <= 0) {
            counters.increment(Counter.CREDIT_STALLS);
            return 0;
        }
        ConsumerRing rx = rxRing();
        int n = rx.peek(room);
        if (n == 0) {
            return 0;
        }
        int first = rx.peekedIndex();
        long now = receiveClock(); // one clock read per batch
        int delivered = 0;
        inBatch = true;
        try {
            for (int i = 0; i < n; i++) {
                Packet p = accept(rx.descriptorAddress(first + i), rx.descriptorLength(first + i), now);
                if (p == null || !admitted(p)) {
                    continue;
                }
                delivered++;
                handler.onPacket(p);
                if (ownership.isAt(p.frameIndex(), FramePlace.APP) && p.dropHolder()) {
                    giveBack(p);
                }
            }
        } finally {
            rx.release(n);
            inBatch = false;
            flushReleases();
        }
        return delivered;
    }

    /**
     * Counts an accepted packet, after the user-space filter (if any) let it through; a frame the filter turns
     * away goes straight back (there is no kernel stack behind the port to pass it to).
     */
    private boolean admitted(Packet p) {
        if (softFilter != null) {
            Verdict v = softFilter.decide(p.segment(), p.length());
            counters.increment(switch (v) {
                case SOCKET -> Counter.FILTER_SOCKET;
                case PASS -> Counter.FILTER_PASS;
                case DROP -> Counter.FILTER_DROP;
            });
            if (v != Verdict.SOCKET) {
                if (p.dropHolder()) {
                    giveBack(p);
                }
                return false;
            }
        }
        counters.increment(Counter.PACKETS_RX);
        counters.add(Counter.BYTES_RX, p.length());
        return true;
    }

    @Override
    public final void release(Packet packet) {
        Packet p = mine(packet, "release");
        if (p.dropHolder()) {
            giveBack(p);
        }
    }

    /**
     * Puts a packet the application holds on the transmit ring without copying it; false when it was dropped for
     * lack of room (counted). The frame changes owner: checked with {@link PortRules#checkSendable}.
     */
    protected abstract boolean send(Packet p, String action);

    /** Called before a claimed packet of {@code length} bytes is sent (e.g. to stamp it). */
    protected void beforeTransmit(Packet p) {
    }

    @Override
    public final boolean transmit(Packet packet, int length) {
        Packet p = mine(packet, "transmit");
        PortRules.checkLength(p, length);
        p.length(length);
        beforeTransmit(p);
        return send(p, "transmit");
    }

    @Override
    public final boolean forward(Packet packet) {
        Packet p = mine(packet, "forward");
        if (send(p, "forward")) {
            counters.increment(Counter.FORWARDED);
            return true;
        }
        return false;
    }

    /** {@code packet}, if it is one of this port's flyweights. */
    protected final Packet mine(Packet packet, String action) {
        return PortRules.owned(packets, packet, action);
    }

    @Override
    public PortCounters counters() {
        return counters;
    }
}
