package io.zcnbrh.backend;

import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.ring.ConsumerRing;

/**
 * The receive side every ring backend shares: poll one packet or a batch from an RX ring of {@code xdp_desc}
 * entries, lend frames within the credit budget. A backend says how a descriptor becomes a packet
 * ({@link #accept}: bounds and owner checks, M13), where a released frame goes ({@link #giveBack}: the credit) and
 * how staged releases are published ({@link #flushReleases}).
 */
public abstract class RingPort extends BasePort {
    /** Whether a batch poll is running: releases are staged and published once at its end. */
    protected boolean inBatch;

    /** The ring the packets arrive on. */
    protected abstract ConsumerRing rxRing();

    /** Checks a descriptor and lends its frame to the application, stamped {@code now}; null (and counted) when invalid. */
    protected abstract Frame accept(long address, int length, long now);

    /** Publishes the releases staged during a batch. */
    protected abstract void flushReleases();

    /** The receive time of a batch (0 when the backend stamps packets itself). */
    protected long receiveClock() {
        return 0;
    }

    @Override
    public final Packet poll() {
        checkReceiving();
        if (budgetSpent()) {
            return null;
        }
        ConsumerRing rx = rxRing();
        while (rx.peek(1) == 1) {
            int idx = rx.peekedIndex();
            long address = rx.descriptorAddress(idx);
            int length = rx.descriptorLength(idx);
            rx.release(1);
            Frame p = accept(address, length, receiveClock());
            if (p != null && admitted(p)) {
                return p;
            }
        }
        return null;
    }

    @Override
    public final int poll(PacketHandler handler, int budget) {
        checkReceiving();
        int room = room(budget);
        if (room == 0) {
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
        int taken = 0;
        inBatch = true;
        try {
            for (int i = 0; i < n; i++) {
                Frame p = accept(rx.descriptorAddress(first + i), rx.descriptorLength(first + i), now);
                taken = i + 1;
                if (p == null || !admitted(p)) {
                    continue;
                }
                delivered++;
                handOver(handler, p);
            }
        } finally {
            // a handler that threw leaves the entries after its packet on the ring, for the next poll: no frame
            // is left owned by nobody
            rx.cancel(n - taken);
            rx.release(taken);
            inBatch = false;
            flushReleases();
        }
        return delivered;
    }

}
