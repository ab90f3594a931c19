package io.zcnbrh.backend;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortCounters;
import io.zcnbrh.audit.AuditLog;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.filter.SoftFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.internal.FrameOwnership;

/**
 * What every backend shares whatever its kernel interface: counters, the owner of every frame, one flyweight per
 * frame, the credit budget, the user-space filter, release (a frame goes back when its last holder lets go),
 * and transmit/forward with the same checks. A backend says where a released frame goes ({@link #giveBack}) and
 * how a frame is sent ({@link #send}).
 */
public abstract class BasePort implements Port {
    /** The port's counters (single writer: the port's thread). */
    protected final PortCounters counters = new PortCounters();
    /** The owner of every frame. */
    protected FrameOwnership ownership;
    /** One flyweight per frame. */
    protected Frame[] packets;
    /** Frames the application may hold at once. */
    protected int creditBudget;
    /** The port's filter run in user space (backends with no kernel XDP in front), or null. */
    protected SoftFilter softFilter;
    /** {@link io.zcnbrh.PortConfig#latencyMode()}: {@link #awaitPackets} spins instead of sleeping. */
    protected boolean latencyMode;
    /** Set once by {@link #beginClose()}. */
    protected boolean closed;
    private volatile String revoked;
    /** Set while a batch transmit runs: staged sends wait for its one flush at the end. */
    private boolean holdFlush;
    private InterfaceWatch watch;

    private static final System.Logger LOG = System.getLogger("io.zcnbrh");

    /**
     * Waits for packets as {@link Port#awaitPackets} says: in latency mode it does not sleep (it flushes, takes one
     * busy-wait step of the backend's and returns, so the caller's next poll comes at once, a core kept spinning);
     * otherwise the backend sleeps its way ({@link #sleepUntilPackets}).
     */
    @Override
    public final void awaitPackets(long timeoutNanos) {
        if (latencyMode) {
            flush();
            spinStep();
            Thread.onSpinWait();
        } else {
            sleepUntilPackets(timeoutNanos);
        }
    }

    /** How this backend sleeps until packets may be there, at most {@code timeoutNanos} (default: parks 50 us). */
    protected void sleepUntilPackets(long timeoutNanos) {
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(timeoutNanos, 50_000));
    }

    /** One step of a latency-mode wait beyond the flush (AF_XDP drives the kernel's busy polling); default none. */
    protected void spinStep() {
    }

    /** Takes back a frame the application no longer holds. */
    protected abstract void giveBack(Frame p);

    /** Gives a polled packet to {@code handler}; a packet it did not keep (retain, send) goes back at once. */
    protected final void handOver(PacketHandler handler, Frame p) {
        int loan = p.loans();
        try {
            handler.onPacket(p);
        } finally {
            // still the packet the handler was given (not released and lent again as another, e.g. claimed, frame)
            // and still the application's: the port takes it back, also when the handler threw
            if (p.loans() == loan && ownership.isAt(p.frameIndex(), FramePlace.APP) && p.dropHolder()) {
                giveBackPacket(p);
            }
        }
    }

    /** Counts a descriptor from an untrusted writer that was refused (M13), with an audit line and a JFR event. */
    protected final void invalidDescriptor(String detail) {
        counters.increment(Counter.INVALID_DESCRIPTORS);
        AuditLog.fault(spec(), "invalid descriptor", detail);
    }

    /** Counts backpressure ({@code RING_FULL} or {@code CREDIT_STALLS}), with a JFR event. */
    protected final void backpressure(Counter c) {
        counters.increment(c);
        AuditLog.backpressure(spec(), c.metricName());
    }

    /**
     * Ends the port's use from outside: whoever provided it (zcnbrhd) is gone, so no frame will come. Every later
     * poll throws {@code why}; the application closes the port (which frees what it holds) and opens a new one.
     */
    public final void revoke(String why) {
        revoked = why;
    }

    /**
     * Throws if the port was revoked (one volatile read per poll call, not per frame) or its interface went down
     * or away (asked every 1024th call, see {@link InterfaceWatch}).
     */
    protected final void checkReceiving() {
        checkRevoked();
        if (watch != null) {
            watch.check(spec());
        }
    }

    /** Throws if the port was revoked: a port that only transmits learns it too (one volatile read per call). */
    protected final void checkRevoked() {
        String why = revoked;
        if (why != null) {
            throw new ZcnbrhException(spec() + ": " + why);
        }
    }

    /** Watches {@code ifname} while the port receives (ports on an interface call this when they open). */
    protected final void watchInterface(String ifname) {
        watch = InterfaceWatch.of(ifname);
    }

    /** Throws if the port is closed (its memory is gone). */
    protected final void checkOpen() {
        if (closed) {
            throw new IllegalStateException(spec() + " is closed");
        }
    }

    /** Whether the application holds its whole credit budget (then poll hands out nothing; counted, JFR event). */
    protected final boolean budgetSpent() {
        if (ownership.count(FramePlace.APP) >= creditBudget) {
            backpressure(Counter.CREDIT_STALLS);
            return true;
        }
        return false;
    }

    /** How many packets a batch poll of {@code budget} may lend now (0, counted as a credit stall, when none). */
    protected final int room(int budget) {
        int room = Math.min(budget, creditBudget - ownership.count(FramePlace.APP));
        if (room <= 0) {
            backpressure(Counter.CREDIT_STALLS);
            return 0;
        }
        return room;
    }

    /**
     * The common start of close: false if the port is already closed; else publishes staged sends, takes the
     * last kernel counters, marks the port closed and warns about frames the application still holds.
     */
    protected final boolean beginClose() {
        if (closed) {
            return false;
        }
        try {
            flush();
        } catch (RuntimeException e) { // the interface went away: nothing more can be sent; close the rest anyway
            LOG.log(System.Logger.Level.DEBUG, "{0}: flush at close: {1}", spec(), e.getMessage());
        }
        counters();
        closed = true;
        if (watch != null) {
            watch.close();
        }
        warnHeldAtClose();
        return true;
    }

    /** Warns (once, at close) about frames the application still holds: they die with the port's memory. */
    protected final void warnHeldAtClose() {
        java.util.List<String> held = ownership.heldByApplication();
        if (!held.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "{0} closed while the application still held {1} frame(s): {2}",
                spec(), held.size(), held.size() > 16 ? held.subList(0, 16) + " ..." : held);
        }
    }

    /**
     * Counts an accepted packet, after the user-space filter (if any) let it through; a frame the filter turns
     * away goes straight back (there is no kernel stack behind the port to pass it to).
     */
    protected final boolean admitted(Frame p) {
        if (softFilter != null) {
            Verdict v = softFilter.decide(p.segment(), p.length());
            counters.increment(switch (v) {
                case SOCKET -> Counter.FILTER_SOCKET;
                case PASS -> Counter.FILTER_PASS;
                case DROP -> Counter.FILTER_DROP;
            });
            if (v != Verdict.SOCKET) {
                if (p.dropHolder()) {
                    giveBackPacket(p);
                }
                return false;
            }
        }
        counters.increment(Counter.PACKETS_RX);
        counters.add(Counter.BYTES_RX, p.packetLength());
        return true;
    }

    @Override
    public final void release(Packet packet) {
        Frame p = mine(packet, "release");
        if (p.dropHolder()) {
            giveBackPacket(p);
        }
    }

    /** Gives back every frame of a packet: the one frame, or each fragment of a multi-buffer packet in order. */
    protected final void giveBackPacket(Frame head) {
        Frame f = head;
        while (f != null) {
            Frame after = f.detach();
            giveBack(f);
            f = after;
        }
    }

    /**
     * Puts a packet the application holds on the transmit ring without copying it; false when it was dropped for
     * lack of room (counted). The frame changes owner: checked with {@link PortRules#checkSendable}.
     */
    protected abstract boolean send(Frame p, String action);

    /** Called before a claimed packet of {@code length} bytes is sent (e.g. to stamp it). */
    protected void beforeTransmit(Frame p) {
    }

    @Override
    public final boolean transmit(Packet packet, int length) {
        checkRevoked();
        Frame p = mine(packet, "transmit");
        if (p.fragmentCount() > 1) {
            throw new IllegalArgumentException("transmit(packet, length) sends one frame; " + packet + " is a "
                + "multi-buffer packet: forward it whole, or release it");
        }
        PortRules.checkLength(p, length);
        p.length(length);
        beforeTransmit(p);
        return tookBackIfDropped(p, send(p, "transmit"));
    }

    /** Sends {@code p} (a packet or a linked multi-buffer packet) with the one meaning of false below. */
    protected final boolean sendOrTakeBack(Frame p, String action) {
        return tookBackIfDropped(p, send(p, action));
    }

    /**
     * The one meaning of a false transmit or forward on every backend: the packet was dropped (counted in drops)
     * and the port took the frame back; the application must not touch the packet again. A backend that left the
     * frame with the application when it could not send is made to follow it here.
     */
    private boolean tookBackIfDropped(Frame p, boolean sent) {
        if (!sent && ownership.isAt(p.frameIndex(), FramePlace.APP)) {
            counters.increment(Counter.DROPS);
            if (p.dropHolder()) {
                giveBackPacket(p);
            }
        }
        return sent;
    }

    /**
     * Sends the batch and publishes it once: the configured txBatch does not flush in between, so the kernel is
     * kicked once per batch (or when a backend's staging area is full, see {@link #flushDue}).
     */
    @Override
    public int transmit(Packet[] batch, int[] lengths, int count) {
        int sent = 0;
        holdFlush = true;
        try {
            for (int i = 0; i < count; i++) {
                if (transmit(batch[i], lengths[i])) {
                    sent++;
                }
            }
        } finally {
            holdFlush = false;
        }
        flush();
        return sent;
    }

    /**
     * Whether {@code staged} sends should be published now: at the configured {@code batch}, or, while a batch
     * transmit runs, only once the backend's staging {@code capacity} is reached.
     */
    protected final boolean flushDue(int staged, int batch, int capacity) {
        return staged >= (holdFlush ? capacity : batch);
    }

    @Override
    public final boolean forward(Packet packet) {
        checkRevoked();
        Frame p = mine(packet, "forward");
        if (tookBackIfDropped(p, send(p, "forward"))) {
            counters.increment(Counter.FORWARDED);
            return true;
        }
        return false;
    }

    /** {@code packet}, if it is one of this port's flyweights. */
    protected final Frame mine(Packet packet, String action) {
        return PortRules.owned(packets, packet, action);
    }

    @Override
    public PortCounters counters() {
        return counters;
    }
}
