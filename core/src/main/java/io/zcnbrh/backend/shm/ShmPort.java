package io.zcnbrh.backend.shm;

import io.zcnbrh.Counter;
import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.Frame;
import io.zcnbrh.backend.PortRules;
import io.zcnbrh.backend.RingPort;
import io.zcnbrh.config.Backpressure;
import io.zcnbrh.filter.SoftFilter;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.IdleStrategy;
import io.zcnbrh.flow.internal.FrameOwnership;
import io.zcnbrh.flow.internal.FrameStack;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code shm:NAME}: a zero-copy packet port between two processes over a file in /dev/shm (M1-M5, M10).
 * Both sides map the same frames and four rings; a packet crosses by its descriptor only. Each side owns
 * half the frames: it claims them to transmit, the other side polls them and releases them, and they come
 * back on the return ring (the credit, M5). A received frame can be forwarded back without a copy.
 * Everything the other process writes is untrusted: descriptors are bounds- and owner-checked (M13).
 */
public final class ShmPort extends RingPort {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.shm");
    private static final int RECLAIM_BATCH = 64;
    /** Directory of the region files. */
    public static final Path DIRECTORY = ShmRegion.DIRECTORY;

    private final String name;
    private final ShmRegion shared;
    private final Mapping mapping;
    private final MemorySegment region;
    private final int side;
    private final FrameRegion frames;
    private final ProducerRing tx;
    private final ConsumerRing rx;
    private final ProducerRing returnOut;
    private final ConsumerRing returnIn;
    private final int ownFirst;
    private final int ownEnd;
    private final FrameStack freePool;
    private final PortConfig config;
    private final IdleStrategy idle = IdleStrategy.backoff();
    private final int txBatch;
    private int pendingReturns;
    private int pendingTx;
    private long batchTime;
    private boolean peerGoneAnnounced;

    private ShmPort(ShmRegion shared, PortConfig config) {
        ShmLayout layout = shared.layout();
        int side = shared.side();
        this.name = shared.name();
        this.shared = shared;
        this.mapping = shared.mapping();
        this.region = mapping.segment();
        this.side = side;
        this.config = config;
        this.frames = new FrameRegion(layout.frames(region), layout.frameSize, layout.headroom, layout.frameCount);
        int half = layout.frameCount / 2;
        this.ownFirst = side == 0 ? 0 : half;
        this.ownEnd = ownFirst + half;
        this.creditBudget = Math.min(config.creditBudget(), layout.frameCount);
        this.latencyMode = config.latencyMode();
        this.softFilter = config.filter() != null ? SoftFilter.of(config.filter()) : null;
        this.txBatch = Math.min(config.txBatch(), layout.ringSize);
        this.ownership = new FrameOwnership(layout.frameCount, FramePlace.PEER, config.ownershipMode());
        this.freePool = new FrameStack(half);
        for (int f = ownEnd - 1; f >= ownFirst; f--) {
            ownership.tryMove(f, FramePlace.PEER, FramePlace.FREE);
            freePool.push(f);
        }
        this.packets = new Frame[layout.frameCount];
        for (int f = 0; f < layout.frameCount; f++) {
            packets[f] = new Frame(f, frames.dataAddress(f), frames.dataView(f), frames.memory(), ownership);
        }
        int txRing = side == 0 ? ShmLayout.DATA_A_TO_B : ShmLayout.DATA_B_TO_A;
        int rxRing = side == 0 ? ShmLayout.DATA_B_TO_A : ShmLayout.DATA_A_TO_B;
        int outRing = side == 0 ? ShmLayout.RETURN_TO_B : ShmLayout.RETURN_TO_A;
        int inRing = side == 0 ? ShmLayout.RETURN_TO_A : ShmLayout.RETURN_TO_B;
        this.tx = new ProducerRing(layout.ringSegment(region, txRing), layout.ring(txRing));
        this.rx = new ConsumerRing(layout.ringSegment(region, rxRing), layout.ring(rxRing));
        this.returnOut = new ProducerRing(layout.ringSegment(region, outRing), layout.ring(outRing));
        this.returnIn = new ConsumerRing(layout.ringSegment(region, inRing), layout.ring(inRing));
    }

    /** Opens {@code shm:name}: creates the region, attaches to it, or either, by {@link io.zcnbrh.ShmOptions#role()}. */
    public static ShmPort open(String name, PortConfig config) {
        return ShmRegion.open(name, config, region -> new ShmPort(region, config));
    }

    /** The region file of port {@code name}. */
    public static Path pathOf(String name) {
        return ShmRegion.pathOf(name);
    }

    // ---- receive ----------------------------------------------------------------------------------------

    @Override
    protected ConsumerRing rxRing() {
        return rx;
    }

    @Override
    protected void flushReleases() {
        flushReturns();
    }

    /** Validates a descriptor from the peer (M13) and lends its frame to the application; null when invalid. */
    @Override
    protected Frame accept(long address, int length, long now) {
        if (!frames.isValid(address, length)) {
            invalidDescriptor("out of the region or not the writer's frame");
            return null;
        }
        int frame = frames.frameOf(address);
        if (!ownership.tryTake(frame, FramePlace.PEER)) {
            invalidDescriptor("out of the region or not the writer's frame"); // a frame the peer does not own: duplicate or ours
            return null;
        }
        Frame p = packets[frame];
        p.lendReceived(length);
        return p;
    }

    /** Returns a frame the application no longer holds: ours to the free pool, the peer's on its return ring. */
    @Override
    protected void giveBack(Frame p) {
        int frame = p.frameIndex();
        if (frame >= ownFirst && frame < ownEnd) {
            ownership.giveUp(frame, FramePlace.FREE, "release");
            freePool.push(frame);
            return;
        }
        ownership.giveUp(frame, FramePlace.PEER, "release");
        if (returnOut.reserve(1) == 0) {
            // Only a peer that stops draining its return ring gets here; the frame is its own loss.
            counters.increment(Counter.DROPS);
            return;
        }
        returnOut.setAddress(returnOut.reservedIndex(), p.address());
        if (inBatch) {
            pendingReturns++;
        } else {
            returnOut.submit(1);
        }
    }

    private void flushReturns() {
        if (pendingReturns > 0) {
            returnOut.submit(pendingReturns);
            pendingReturns = 0;
        }
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    @Override
    public Frame claim() {
        if (freePool.isEmpty() && reclaim() == 0 && flushAndReclaim() == 0 && !awaitCredit(true)) {
            backpressure(Counter.RING_FULL); // no credit; nothing is lost yet, the caller decides
            return null;
        }
        int frame = freePool.pop();
        ownership.tryTake(frame, FramePlace.FREE);
        Frame p = packets[frame];
        p.lend(0, 0);
        return p;
    }

    /**
     * One clock read per published batch (System.nanoTime costs ~24 ns here, a third of a packet's budget): the
     * packets of one batch share the time their batch started; with txBatch 1 every packet has its own.
     */
    @Override
    protected void beforeTransmit(Frame p) {
        if (pendingTx == 0) {
            batchTime = System.nanoTime();
        }
        p.timestampNanos(batchTime);
        frames.setTimestamp(p.frameIndex(), batchTime);
    }

    @Override
    protected boolean send(Frame p, String action) {
        int frame = p.frameIndex();
        PortRules.checkSendable(ownership, p, action);
        if (tx.reserve(1) == 0 && !flushAndRetry() && !awaitCredit(false)) {
            backpressure(Counter.RING_FULL);
            return false; // dropped: BasePort counts it and takes the frame back (the one meaning of false)
        }
        tx.setDescriptor(tx.reservedIndex(), p.address(), p.length(), 0);
        ownership.giveUp(frame, FramePlace.PEER, action);
        p.dropHolder();
        if (flushDue(++pendingTx, txBatch, Integer.MAX_VALUE)) { // the TX ring bounds a batch: reserve flushes
            tx.submit(pendingTx);
            pendingTx = 0;
        }
        counters.increment(Counter.PACKETS_TX);
        counters.add(Counter.BYTES_TX, p.length());
        return true;
    }

    @Override
    public void flush() {
        if (pendingTx > 0) {
            tx.submit(pendingTx);
            pendingTx = 0;
        }
        flushReturns();
    }

    /** The ring is full: publish what is staged so the receiver can drain it, then try once more. */
    private boolean flushAndRetry() {
        if (pendingTx == 0) {
            return false;
        }
        flush();
        return tx.reserve(1) == 1;
    }

    /** Publishes staged transmits (the receiver cannot return what it never saw), then reclaims. */
    private int flushAndReclaim() {
        if (pendingTx == 0) {
            return 0;
        }
        flush();
        return reclaim();
    }

    /** Drains the return ring into the free pool; returns how many frames came home. */
    private int reclaim() {
        int total = 0;
        int n;
        while ((n = returnIn.peek(RECLAIM_BATCH)) > 0) {
            int first = returnIn.peekedIndex();
            for (int i = 0; i < n; i++) {
                long address = returnIn.address(first + i);
                int frame = frames.frameOf(address);
                if (frames.isValid(address, 1) && frame >= ownFirst && frame < ownEnd
                    && ownership.tryMove(frame, FramePlace.PEER, FramePlace.FREE)) {
                    freePool.push(frame);
                    total++;
                } else {
                    invalidDescriptor("out of the region or not the writer's frame");
                }
            }
            returnIn.release(n);
        }
        if (total > 0) {
            counters.add(Counter.FRAMES_RECLAIMED, total);
        }
        return total;
    }

    /**
     * With {@link Backpressure#BLOCK}, waits until a free frame ({@code needFrame}) or TX ring space is there;
     * on success the TX slot is already reserved. Returns false under DROP_NEWEST, on timeout, or when the
     * peer is gone (its frames are then reclaimed).
     */
    private boolean awaitCredit(boolean needFrame) {
        if (peerGone()) {
            reclaimFromGonePeer();
            return needFrame && !freePool.isEmpty();
        }
        if (config.backpressure() != Backpressure.BLOCK) {
            return false;
        }
        flush();
        long deadline = System.nanoTime() + config.blockTimeout().toNanos();
        idle.reset();
        for (int spins = 1; ; spins++) {
            if (needFrame ? reclaim() > 0 : tx.reserve(1) == 1) {
                return true;
            }
            if ((spins & 1023) == 0 && (System.nanoTime() > deadline || peerGone())) {
                return false;
            }
            idle.idle();
        }
    }

    /** Whether the other side closed or its process exited. */
    public boolean peerGone() {
        int other = 1 - side;
        if (ShmLayout.isClosed(region, other)) {
            return true;
        }
        // attached once (its pid is set after its lock was taken) and its lock is free: its process has exited
        return ShmLayout.pid(region, other) != 0 && !ShmLiveness.held(mapping.fd(), other);
    }

    /** Takes back every frame of ours the gone peer held or had in flight; announced once. */
    private void reclaimFromGonePeer() {
        reclaim();
        int taken = 0;
        for (int f = ownFirst; f < ownEnd; f++) {
            if (ownership.tryMove(f, FramePlace.PEER, FramePlace.FREE)) {
                freePool.push(f);
                taken++;
            }
        }
        counters.add(Counter.FRAMES_RECLAIMED, taken);
        if (!peerGoneAnnounced) {
            peerGoneAnnounced = true;
            LOG.log(System.Logger.Level.WARNING, "shm:{0}: peer (pid {1} in its namespace) is gone; reclaimed {2} "
                + "frames it held",
                name, ShmLayout.pid(region, 1 - side), taken);
        }
    }

    // ---- information ------------------------------------------------------------------------------------

    @Override
    public String backend() {
        return "shm";
    }

    @Override
    public String mode() {
        return "shared_memory";
    }

    @Override
    public String spec() {
        return "shm:" + name;
    }

    /** 0 for the creating side (A), 1 for the attaching side (B). */
    public int side() {
        return side;
    }

    /** Frames this side owns (half the region). */
    public int ownFrames() {
        return ownEnd - ownFirst;
    }

    /** Frames of this side that are in its free pool now (after draining the return ring). */
    public int freeFrames() {
        reclaim();
        return freePool.size();
    }

    /**
     * Entries this side published toward the peer that the peer has not consumed yet: descriptors on the data
     * ring plus addresses on the return ring. With both sides' {@code heldLocally()} these account for every
     * frame of the region (the cross-process conservation check of the tests).
     */
    public int inFlightToPeer() {
        return tx.occupancy() + pendingTx + returnOut.occupancy() + pendingReturns;
    }

    /** Whether the other side has attached (its pid is in the header). */
    public boolean peerAttached() {
        return ShmLayout.pid(region, 1 - side) != 0;
    }

    /** Frames this side holds: in its free pool or lent to the application. */
    public int heldLocally() {
        return ownership.count(FramePlace.FREE) + ownership.count(FramePlace.APP);
    }

    /** The frame memory, for placement reports and no-copy checks. */
    public Mapping mapping() {
        return mapping;
    }

    /** The frame layout. */
    public FrameRegion frames() {
        return frames;
    }

    @Override
    public AuditReport audit() {
        reclaim();
        AuditReport report = ownership.audit();
        if (freePool.size() != ownership.count(FramePlace.FREE)) {
            report = report.withProblem("free pool holds " + freePool.size() + " frames but "
                + ownership.count(FramePlace.FREE)
                + " are FREE");
        }
        return freePool.audit(report, "free pool", ownership, FramePlace.FREE, f -> f >= ownFirst && f < ownEnd);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        flush();
        List<String> held = ownership.heldByApplication();
        if (!held.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "shm:{0} closed while the application still held {1} frame(s): {2}",
                name, held.size(), held.size() > 16 ? held.subList(0, 16) + " ..." : held);
            // The peer's frames go home so its accounting stays whole; ours die with the mapping.
            for (int f = 0; f < packets.length; f++) {
                if ((f < ownFirst || f >= ownEnd) && ownership.isAt(f, FramePlace.APP)) {
                    packets[f].dropHolder();
                    giveBack(packets[f]);
                }
            }
        }
        shared.close();
    }

    @Override
    public String toString() {
        return "ShmPort{" + spec() + ", side " + (side == 0 ? "A" : "B") + ", " + frames.frameCount() + " frames"
            + (latencyMode ? ", latency mode" : "") + "}";
    }
}
