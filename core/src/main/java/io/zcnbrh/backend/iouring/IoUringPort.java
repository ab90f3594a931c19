package io.zcnbrh.backend.iouring;

import io.zcnbrh.Counter;
import io.zcnbrh.PortConfig;
import io.zcnbrh.PortCounters;
import io.zcnbrh.backend.Frame;
import io.zcnbrh.backend.PoolPort;
import io.zcnbrh.backend.PortRules;
import io.zcnbrh.backend.SocketTarget;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.filter.SoftFilter;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.internal.FrameOwnership;
import io.zcnbrh.flow.internal.FrameStack;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.zcnbrh.sys.SocketFlags.MSG_TRUNC;

/**
 * {@code iouring:udp:ADDR:PORT[->PEER:PORT]} and {@code iouring:raw:IFACE}: io_uring over a socket. Receive is one
 * multishot RECV that picks buffers from a provided-buffer ring made of the port's frames (a frame is owned by the
 * ring while the kernel holds it, like a frame on the AF_XDP fill ring); the kernel ends the multishot when it runs
 * out of buffers, and the port re-arms it once buffers are back. Transmit is SEND_ZC (zero-copy send: the frame
 * stays the kernel's until the notification completion) where the socket supports it (UDP), plain SEND otherwise
 * (AF_PACKET), announced. Zero-copy receive (RECV_ZC) needs a NIC with header split: see {@link IoUringProbe}.
 */
public final class IoUringPort extends PoolPort {
    /**
     * Below this a datagram is copied (SEND): msg_zerocopy.rst says page pinning and the second completion cost
     * more than a copy for small writes; measured here, SEND_ZC of 64 B datagrams made the round trip 1.18x the
     * plain socket's against 1.04x with SEND (bench latency, three ABBA pairs). Frames hold at most 4 KiB, so
     * the cut is set where a datagram is a good part of a frame; the crossover itself was not measured.
     */
    static final int ZERO_COPY_MIN_BYTES = 1024;
    private static final int CQE_F_BUFFER = 1, CQE_F_MORE = 2, CQE_F_NOTIF = 8;
    private static final long TAG_RECV = 1L << 62;
    private static final long TAG_SEND = 1L << 61;
    private static final long TAG_CANCEL = 1L << 60;
    private static final int BGID = 0;
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.iouring");

    private final String spec;
    private final SocketTarget target;
    private final int fd;
    private final IoUring ring;
    private final Mapping memory;
    private final ProvidedBufferRing bufRing;
    private final FrameRegion frames;
    private final int rxFrames;
    private final FrameStack txFree;
    private boolean armed;
    /** Receive completions reaped but not yet handed out (when reaping for a claim): frames and lengths. */
    private final int[] readyFrame;
    private final int[] readyLength;
    private int readyHead;
    private int readyCount;
    /** Buffers the kernel has taken (one per completion that carried a buffer): posted minus this are its now. */
    private int consumed;
    private final boolean zeroCopySend;
    private final int[] sendPending; // per TX-capable frame: completions still to come (result, notification)
    private int staged;
    private final int txBatch;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState;
    private final MemorySegment pollFd;
    private final MemorySegment stats;
    private long kernelDrops;
    private final String modeLine;

    private IoUringPort(String spec, SocketTarget target, int fd, IoUring ring, Mapping memory, ProvidedBufferRing bufRing,
                        PortConfig config, boolean zeroCopySend) {
        this.spec = spec;
        this.target = target;
        this.fd = fd;
        this.ring = ring;
        this.memory = memory;
        this.bufRing = bufRing;
        int frameCount = frameCount(config);
        this.frames = new FrameRegion(memory.segment(), config.frameSize(), config.headroom(), frameCount);
        this.rxFrames = frameCount / 2;
        this.ownership = new FrameOwnership(frameCount, FramePlace.FREE, config.ownershipMode());
        this.packets = new Frame[frameCount];
        for (int f = 0; f < frameCount; f++) {
            packets[f] = new Frame(f, frames.dataAddress(f), frames.dataView(f), memory.segment(), ownership);
        }
        this.txFree = new FrameStack(frameCount - rxFrames);
        for (int f = frameCount - 1; f >= rxFrames; f--) {
            txFree.push(f);
        }
        this.sendPending = new int[frameCount];
        this.readyFrame = new int[frameCount];
        this.readyLength = new int[frameCount];
        this.creditBudget = Math.min(config.creditBudget(), frameCount);
        this.latencyMode = config.latencyMode();
        this.txBatch = config.txBatch();
        this.zeroCopySend = zeroCopySend;
        this.callState = Libc.newCallState(arena);
        this.pollFd = Libc.newPollFd(arena, ring.fd());
        this.stats = arena.allocate(12, 4);
        if (config.filter() != null) {
            if (!target.raw()) {
                throw new IllegalArgumentException("a filter reads Ethernet frames; " + spec + " receives datagram "
                    + "payloads: use iouring:raw:IFACE");
            }
            this.softFilter = SoftFilter.of(config.filter());
        }
        this.modeLine = spec + ": multishot RECV into a provided-buffer ring of " + bufRing.size() + " frames; transmit "
            + (zeroCopySend ? "SEND, SEND_ZC (zero-copy) for datagrams of " + ZERO_COPY_MIN_BYTES + " B and more"
                : "SEND (this socket type has no zero-copy send)")
            + ((ring.setupFlags() & IoUring.SETUP_COOP_TASKRUN) != 0 ? "; completions collected by the polling thread"
                + " (COOP_TASKRUN)" : "; completions interrupt the thread (this kernel has no COOP_TASKRUN, Linux 5.19+)")
            + (latencyMode ? "; latency mode (spins while waiting)" : "");
        LOG.log(System.Logger.Level.INFO, modeLine);
        // every receive frame the ring can take starts on it: the kernel owns them until a completion hands one over
        for (int f = 0; f < rxFrames; f++) {
            if (f < bufRing.size()) {
                ownership.tryMove(f, FramePlace.FREE, FramePlace.FILL);
                postBuffer(f);
            }
        }
        publishBuffers();
        if (target.raw()) {
            watchInterface(target.ifname());
        }
    }

    private static int frameCount(PortConfig config) {
        return Math.max(config.frameCount(), 2 * Math.min(config.ringSize(), 4096));
    }

    /**
     * A ring whose completions this thread collects when it looks (COOP_TASKRUN with TASKRUN_FLAG, Linux 5.19+)
     * rather than one that interrupts it for each; an older kernel refuses the flags (EINVAL) and gets a plain
     * ring, said in the mode line.
     */
    private static IoUring newRing(int cqEntries) {
        try {
            return new IoUring(256, cqEntries, IoUring.SETUP_COOP_TASKRUN | IoUring.SETUP_TASKRUN_FLAG);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
            return new IoUring(256, cqEntries, 0);
        }
    }

    /** Opens {@code udp:...} or {@code raw:IFACE} on a new ring. */
    public static IoUringPort open(String target, PortConfig config) {
        SocketTarget t = SocketTarget.parse("iouring", target);
        int frameCount = frameCount(config);
        if (frameCount / 2 > 32768) {
            throw new IllegalArgumentException("io_uring buffer rings hold at most 32768 buffers; use fewer frames");
        }
        int fd = t.open();
        IoUring ring = null;
        Mapping mem = null;
        ProvidedBufferRing bufRing = null;
        try {
            // room for every completion the frames can cause at once: SEND_ZC completes twice, and every receive
            // buffer can complete besides (the kernel keeps the rest until asked, see IoUring.peek)
            ring = newRing(Math.min(65536, Math.max(4096, Integer.highestOneBit(4 * frameCount))));
            boolean[] ops = ring.supportedOps();
            if (!ops[Sqe.OP_RECV]) {
                throw new SyscallException("io_uring probe", Errno.EINVAL, "this kernel's io_uring has no RECV");
            }
            mem = Mapping.anonymous(FrameRegion.bytesFor(frameCount, config.frameSize()), config.pageSize(),
                config.numaNode());
            bufRing = ProvidedBufferRing.register(ring, Integer.highestOneBit(frameCount / 2), BGID);
            boolean zc = !t.raw() && ops[Sqe.OP_SEND_ZC];
            IoUringPort port = new IoUringPort("iouring:" + t.describe(), t, fd, ring, mem, bufRing, config, zc);
            t.startReceiving(fd);
            return port;
        } catch (RuntimeException e) {
            if (ring != null) {
                ring.close();
            }
            if (mem != null) {
                mem.close();
            }
            if (bufRing != null) {
                bufRing.close();
            }
            Libc.close(fd);
            throw e;
        }
    }

    /** How the port moves packets (for the CLI's first line). */
    public String modeLine() {
        return modeLine;
    }

    @Override
    public Content content() {
        return target.raw() ? Content.ETHERNET_FRAMES : Content.DATAGRAMS;
    }

    // ---- receive ----------------------------------------------------------------------------------------

    /** Writes buffer {@code f} into the next buffer-ring slot (published by {@link #publishBuffers}). */
    private void postBuffer(int f) {
        bufRing.post(frames.nativeDataAddress(f), frames.dataCapacity(), f);
    }

    private void publishBuffers() {
        bufRing.publish();
        // re-arm only when the ring has a buffer the kernel has not taken: else it would end at once (ENOBUFS)
        if (!armed && bufRing.tail() - consumed > 0) {
            arm();
        }
    }

    /** Starts a multishot RECV picking buffers from group {@link #BGID}. */
    private void arm() {
        if (!ring.recvMultishot(fd, bufRing.groupId(), TAG_RECV)) {
            ring.submit(0);
            ring.recvMultishot(fd, bufRing.groupId(), TAG_RECV);
        }
        ring.submit(0);
        armed = true;
    }

    @Override
    protected Frame receive() {
        checkOpen();
        if (readyCount == 0) {
            reap();
        }
        if (readyCount == 0) {
            if (!armed) {
                publishBuffers();
            }
            return null;
        }
        int f = readyFrame[readyHead];
        int length = readyLength[readyHead];
        readyHead = (readyHead + 1) % readyFrame.length;
        readyCount--;
        ownership.tryMove(f, FramePlace.FILL, FramePlace.APP);
        Frame p = packets[f];
        p.lend(length, System.nanoTime());
        return p;
    }

    /**
     * Consumes every waiting completion: receive completions queue their frame for {@link #receive}, send
     * completions return theirs. One reaper for both, so neither kind can block the other at the head of the CQ.
     */
    private void reap() {
        while (ring.peek()) {
            long tag = ring.cqeUserData();
            int res = ring.cqeRes();
            int flags = ring.cqeFlags();
            ring.advance();
            if (tag != TAG_RECV) {
                completeSend(tag, res, flags);
                continue;
            }
            if ((flags & CQE_F_MORE) == 0) {
                armed = false; // the kernel ended the multishot (no buffers left, or an error): re-armed later
                if (res == -Errno.ENOBUFS) {
                    backpressure(Counter.RING_FULL);
                } else if (res < 0) {
                    failure(res);
                }
            }
            if ((flags & CQE_F_BUFFER) == 0 || res < 0) {
                continue;
            }
            int f = flags >>> 16;
            consumed++;
            if (res >= frames.dataCapacity()) {
                // multishot RECV does not report MSG_TRUNC: a packet that fills its whole buffer may have been cut
                counters.increment(Counter.OVERSIZED);
                postBuffer(f);
                continue;
            }
            int at = (readyHead + readyCount) % readyFrame.length;
            readyFrame[at] = f;
            readyLength[at] = res;
            readyCount++;
        }
    }

    private void failure(int res) {
        throw new SyscallException("io_uring RECV on " + spec, -res, -res == Errno.ENETDOWN || -res == Errno.ENXIO
            || -res == Errno.ENODEV ? "the interface went down or away while receiving; reopen the port" : "");
    }

    @Override
    protected void endBatch() {
        publishBuffers();
    }

    @Override
    protected void giveBack(Frame p) {
        int f = p.frameIndex();
        if (f < rxFrames) {
            ownership.giveUp(f, FramePlace.FILL, "release");
            postBuffer(f);
        } else {
            ownership.giveUp(f, FramePlace.FREE, "release");
            txFree.push(f);
        }
    }

    @Override
    protected void sleepUntilPackets(long timeoutNanos) {
        flush();
        publishBuffers();
        // the ring's fd is readable when completions wait
        Libc.poll(pollFd, 1, (int) Math.max(1, Math.min(timeoutNanos / 1_000_000, 1000)), callState);
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    @Override
    public Frame claim() {
        checkOpen();
        reap(); // send completions give frames back (cheap when the CQ is empty)
        if (txFree.isEmpty()) {
            flush();
            reap();
            if (txFree.isEmpty()) {
                backpressure(Counter.RING_FULL);
                return null;
            }
        }
        int f = txFree.pop();
        ownership.tryMove(f, FramePlace.FREE, FramePlace.APP);
        Frame p = packets[f];
        p.lend(0, 0);
        return p;
    }

    private void completeSend(long tag, int res, int flags) {
        if ((tag & TAG_SEND) == 0) {
            return;
        }
        int f = (int) (tag & 0xffffffL);
        if ((flags & CQE_F_NOTIF) == 0) {
            if (res < 0) {
                counters.increment(Counter.DROPS);
            } else {
                counters.increment(Counter.PACKETS_TX);
                counters.add(Counter.BYTES_TX, res);
            }
            if ((flags & CQE_F_MORE) == 0) {
                sendPending[f] = 1; // no notification follows (io_uring_enter(2): a SEND_ZC result without F_MORE,
                                    // e.g. a failed send, is its only completion): the frame is free now
            }
        }
        // SEND_ZC completes twice (the result with F_MORE, then the notification that the kernel let go of the
        // frame); plain SEND once
        if (--sendPending[f] == 0) {
            ownership.tryMove(f, FramePlace.TX, FramePlace.FREE);
            if (f < rxFrames) {
                ownership.tryMove(f, FramePlace.FREE, FramePlace.FILL);
                postBuffer(f);
            } else {
                txFree.push(f);
            }
            counters.increment(Counter.FRAMES_RECLAIMED);
        }
    }

    @Override
    protected boolean send(Frame p, String action) {
        PortRules.checkSendable(ownership, p, action);
        if (!target.raw() && target.peer() == null) {
            throw new IllegalStateException(spec + " has no peer to send to: give one (udp:ADDR:PORT->PEER:PORT)");
        }
        int f = p.frameIndex();
        boolean zc = zeroCopySend && p.length() >= ZERO_COPY_MIN_BYTES;
        long addr = frames.nativeDataAddress(f);
        if (!ring.send(fd, addr, p.length(), zc, TAG_SEND | f)) {
            ring.submit(0);
            if (!ring.send(fd, addr, p.length(), zc, TAG_SEND | f)) {
                backpressure(Counter.RING_FULL);
                return false;
            }
        }
        p.dropHolder();
        ownership.giveUp(f, FramePlace.TX, action);
        sendPending[f] = zc ? 2 : 1;
        if (flushDue(++staged, txBatch, Integer.MAX_VALUE)) { // a full SQ is submitted by send itself
            flush();
        }
        return true;
    }

    @Override
    public void flush() {
        if (staged == 0 || closed) {
            return;
        }
        staged = 0;
        ring.submit(0);
    }

    // ---- the rest ---------------------------------------------------------------------------------------

    @Override
    public String backend() {
        return "iouring";
    }

    @Override
    public String mode() {
        return zeroCopySend ? "multishot+send_zc" : "multishot";
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public PortCounters counters() {
        if (target.raw() && !closed) {
            kernelDrops += SocketTarget.packetDrops(fd, stats);
            counters.set(Counter.KERNEL_DROPS, kernelDrops);
        }
        return super.counters();
    }

    @Override
    public AuditReport audit() {
        if (!closed) {
            try {
                reap(); // completions waiting are counted first
            } catch (RuntimeException failed) {
                // the receive failed (the interface went away, say); the poll that saw it reported that, and an
                // audit reports where the frames are, which reap() has already settled for every completion read
            }
        }
        AuditReport report = ownership.audit();
        if (txFree.size() != ownership.count(FramePlace.FREE) - freeReceiveFrames()) {
            report = report.withProblem("the TX pool holds " + txFree.size() + " frames");
        }
        return report;
    }

    private int freeReceiveFrames() {
        int n = 0;
        for (int f = 0; f < rxFrames; f++) {
            n += ownership.isAt(f, FramePlace.FREE) ? 1 : 0;
        }
        return n;
    }

    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        try {
            awaitSends(1_000_000_000L);
            quiesce();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: cancel at close: {1}", spec, e.getMessage());
        }
        Libc.close(fd);
        ring.close();
        arena.close();
        bufRing.close();
        memory.close();
    }

    /**
     * Waits (at most {@code timeoutNanos}) until every send already submitted has completed, so close does not cancel
     * datagrams the application was told were sent; their results are counted (packets_tx or drops) as usual.
     */
    private void awaitSends(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (ownership.count(FramePlace.TX) > 0 && System.nanoTime() < deadline) {
            ring.submit(0);
            reap();
            if (ownership.count(FramePlace.TX) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
        }
        if (ownership.count(FramePlace.TX) > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} closed with {1} send(s) still in flight: cancelled", spec,
                ownership.count(FramePlace.TX));
        }
    }

    /**
     * Cancels every request on the socket and waits (at most 200 ms) for the kernel to confirm. io_uring tears a
     * ring down asynchronously, and a request still in flight keeps its socket: a port reopened on the same UDP
     * address right after close failed with EADDRINUSE (found by FaultInjectionTest's open/close cycles).
     */
    private void quiesce() {
        if (!ring.cancelAll(fd, TAG_CANCEL)) {
            return;
        }
        ring.submit(0);
        boolean confirmed = false;
        long deadline = System.nanoTime() + 200_000_000L;
        while (!(confirmed && !armed) && System.nanoTime() < deadline) {
            while (ring.peek()) {
                long tag = ring.cqeUserData();
                int flags = ring.cqeFlags();
                ring.advance();
                if (tag == TAG_CANCEL) {
                    confirmed = true;
                } else if (tag == TAG_RECV && (flags & CQE_F_MORE) == 0) {
                    armed = false;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    /** The port's ring (for tests in this package). */
    IoUring ring() {
        return ring;
    }

    @Override
    public String toString() {
        return modeLine;
    }
}
