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
    /** {@code XDP_PKT_CONTD} (if_xdp.h): in a descriptor's options, more fragments of this packet follow. */
    public static final int PKT_CONTD = 1;
    /**
     * The most descriptors one packet may span: the kernel splits a packet into at most MAX_SKB_FRAGS + 1 (18)
     * frames (af_xdp.rst, multi-buffer); a run without an end within this many is refused as invalid.
     */
    public static final int MAX_FRAGMENTS = 32;

    /** Whether a batch poll is running: releases are staged and published once at its end. */
    protected boolean inBatch;
    /**
     * Whether the RX ring carries multi-buffer packets (AF_XDP bound with XDP_USE_SG): a descriptor with
     * {@link #PKT_CONTD} is continued by the next, and a packet is handed out only when its last descriptor is there.
     * False for rings whose writer may not split packets (shm: its options are never read).
     */
    protected boolean multiBuffer;

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
        if (multiBuffer) {
            return pollPacket(rx);
        }
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

    /** {@link #poll()} on a ring of multi-buffer packets: one whole packet, or null. */
    private Packet pollPacket(ConsumerRing rx) {
        int n;
        while ((n = rx.peek(MAX_FRAGMENTS)) > 0) {
            int idx = rx.peekedIndex();
            int span = span(rx, idx, n);
            if (span == 0) {
                rx.cancel(n); // the rest of the packet is not published yet
                return null;
            }
            rx.cancel(n - span);
            Frame p = acceptPacket(rx, idx, span, receiveClock());
            rx.release(span);
            if (p != null && admitted(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * How many descriptors from {@code idx} (of {@code n} peeked) the packet there spans; 0 when its last one is not
     * among them yet. A run of {@link #MAX_FRAGMENTS} continued descriptors is taken whole (and refused by
     * {@link #acceptPacket}): no packet is that long, and waiting for its end would stall the ring.
     */
    private int span(ConsumerRing rx, int idx, int n) {
        for (int k = 0; k < n; k++) {
            if ((rx.descriptorOptions(idx + k) & PKT_CONTD) == 0) {
                return k + 1;
            }
        }
        return n == MAX_FRAGMENTS ? n : 0;
    }

    /**
     * Accepts the {@code span} descriptors from {@code idx} as one packet: the first fragment, with every later one
     * appended (no copy: the fragments are the frames). A packet with an invalid descriptor, or one that never ends,
     * is refused whole (its valid frames go back, the invalid descriptor is counted by {@link #accept}).
     */
    private Frame acceptPacket(ConsumerRing rx, int idx, int span, long now) {
        Frame head = accept(rx.descriptorAddress(idx), rx.descriptorLength(idx), now);
        if (span == 1) {
            return head;
        }
        boolean whole = head != null && (rx.descriptorOptions(idx + span - 1) & PKT_CONTD) == 0;
        if (head != null && !whole && span == MAX_FRAGMENTS) {
            invalidDescriptor("a packet of more than " + MAX_FRAGMENTS + " fragments");
        }
        Frame last = head;
        for (int k = 1; k < span; k++) {
            Frame f = accept(rx.descriptorAddress(idx + k), rx.descriptorLength(idx + k), now);
            if (f == null) {
                whole = false;
            } else if (head != null) {
                head.appendFragment(last, f);
                last = f;
            } else {
                f.dropHolder();
                giveBack(f);
            }
        }
        if (head != null && !whole) {
            head.dropHolder();
            giveBackPacket(head);
            return null;
        }
        return head;
    }

    @Override
    public final int poll(PacketHandler handler, int budget) {
        checkReceiving();
        int room = room(budget);
        if (room == 0) {
            return 0;
        }
        ConsumerRing rx = rxRing();
        // with multi-buffer packets, up to a packet's worth more than room: a packet is taken whole or not at all
        int n = rx.peek(multiBuffer ? room + MAX_FRAGMENTS - 1 : room);
        if (n == 0) {
            return 0;
        }
        int first = rx.peekedIndex();
        long now = receiveClock(); // one clock read per batch
        int delivered = 0;
        int taken = 0;
        inBatch = true;
        try {
            while (taken < n && delivered < room) {
                int span = multiBuffer ? span(rx, first + taken, Math.min(n - taken, MAX_FRAGMENTS)) : 1;
                if (span == 0) {
                    break; // the rest of this packet is not published yet: it stays for the next poll
                }
                Frame p = span == 1 ? accept(rx.descriptorAddress(first + taken), rx.descriptorLength(first + taken),
                    now) : acceptPacket(rx, first + taken, span, now);
                taken += span;
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
