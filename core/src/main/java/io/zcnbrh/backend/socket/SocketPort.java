package io.zcnbrh.backend.socket;

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

import static io.zcnbrh.sys.SocketFlags.MSG_DONTWAIT;
import static io.zcnbrh.sys.SocketFlags.MSG_TRUNC;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code socket:udp:ADDR:PORT} and {@code socket:raw:IFACE}: plain sockets, batched with {@code recvmmsg(2)} and
 * {@code sendmmsg(2)} straight into and out of the port's frames (the kernel copies once, as it must for a
 * socket; the JVM copies nothing). Half the frames receive, half transmit, like the other backends.
 */
public final class SocketPort extends PoolPort {
    static final int BATCH = 64;
    private static final int MMSG = 64;        // sizeof(struct mmsghdr)

    private final String spec;
    private final SocketTarget target;
    private final int fd;
    private final Mapping memory;
    private final FrameRegion frames;
    private final int rxFrames;
    private final FrameStack rxFree;
    private final FrameStack txFree;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState;
    private final MemorySegment rxMsgs;
    private final MemorySegment rxIov;
    private final MemorySegment rxNames;
    private final MemorySegment txMsgs;
    private final MemorySegment txIov;
    private final MemorySegment lastSender;
    private final MemorySegment pollFd;
    private final MemorySegment stats;
    private final int[] posted = new int[BATCH];
    private final int[] got = new int[BATCH];
    private final int[] gotLength = new int[BATCH];
    private int gotCount;
    private int gotNext;
    private long batchTime;
    private final int[] staged;
    private int stagedCount;
    private final int txBatch;
    private boolean haveSender;
    private long kernelDrops;

    private SocketPort(String spec, SocketTarget target, int fd, Mapping memory, PortConfig config) {
        this.spec = spec;
        this.target = target;
        this.fd = fd;
        this.memory = memory;
        int frameCount = Math.max(config.frameCount(), 2 * Math.min(config.ringSize(), 4096));
        this.frames = new FrameRegion(memory.segment(), config.frameSize(), config.headroom(), frameCount);
        this.rxFrames = frameCount / 2;
        this.ownership = new FrameOwnership(frameCount, FramePlace.FREE, config.ownershipMode());
        this.packets = new Frame[frameCount];
        for (int f = 0; f < frameCount; f++) {
            packets[f] = new Frame(f, frames.dataAddress(f), frames.dataView(f), memory.segment(), ownership);
        }
        this.rxFree = new FrameStack(rxFrames);
        for (int f = rxFrames - 1; f >= 0; f--) {
            rxFree.push(f);
        }
        this.txFree = new FrameStack(frameCount - rxFrames);
        for (int f = frameCount - 1; f >= rxFrames; f--) {
            txFree.push(f);
        }
        this.creditBudget = Math.min(config.creditBudget(), frameCount);
        this.latencyMode = config.latencyMode();
        this.txBatch = Math.min(config.txBatch(), BATCH);
        this.staged = new int[BATCH];
        this.callState = Libc.newCallState(arena);
        this.rxMsgs = arena.allocate((long) MMSG * BATCH, 8);
        this.rxIov = arena.allocate(16L * BATCH, 8);
        this.rxNames = arena.allocate(16L * BATCH, 8);
        this.txMsgs = arena.allocate((long) MMSG * BATCH, 8);
        this.txIov = arena.allocate(16L * BATCH, 8);
        this.lastSender = arena.allocate(16, 8);
        this.pollFd = Libc.newPollFd(arena, fd);
        this.stats = arena.allocate(12, 4);
        if (config.filter() != null) {
            if (!target.raw()) {
                throw new IllegalArgumentException("a filter reads Ethernet frames; " + spec + " receives datagram "
                    + "payloads: use socket:raw:IFACE, afpacket:IFACE or afxdp:IFACE");
            }
            this.softFilter = SoftFilter.of(config.filter());
        }
        if (target.raw()) {
            watchInterface(target.ifname());
        }
    }

    /** Opens {@code udp:ADDR:PORT[->PEER:PORT]} or {@code raw:IFACE}. */
    public static SocketPort open(String target, PortConfig config) {
        SocketTarget t = SocketTarget.parse("socket", target);
        int fd = t.open();
        Mapping mem = null;
        try {
            int frameCount = Math.max(config.frameCount(), 2 * Math.min(config.ringSize(), 4096));
            mem = Mapping.anonymous(FrameRegion.bytesFor(frameCount, config.frameSize()), config.pageSize(),
                config.numaNode());
            SocketPort port = new SocketPort("socket:" + t.describe(), t, fd, mem, config);
            t.startReceiving(fd);
            return port;
        } catch (RuntimeException e) {
            if (mem != null) {
                mem.close();
            }
            Libc.close(fd);
            throw e;
        }
    }

    @Override
    public Content content() {
        return target.raw() ? Content.ETHERNET_FRAMES : Content.DATAGRAMS;
    }

    // ---- receive ----------------------------------------------------------------------------------------

    @Override
    protected Frame receive() {
        checkOpen();
        if (gotNext == gotCount && !fill()) {
            return null;
        }
        int f = got[gotNext];
        int length = gotLength[gotNext++];
        ownership.tryMove(f, FramePlace.FREE, FramePlace.APP);
        Frame p = packets[f];
        p.lend(length, batchTime);
        return p;
    }

    /** One recvmmsg into up to BATCH free receive frames; false when nothing arrived. */
    private boolean fill() {
        int n = Math.min(BATCH, rxFree.size());
        if (n == 0) {
            return false;
        }
        int capacity = frames.dataCapacity();
        for (int i = 0; i < n; i++) {
            int f = rxFree.pop();
            posted[i] = f;
            long iov = 16L * i;
            rxIov.set(JAVA_LONG, iov, frames.nativeDataAddress(f));
            rxIov.set(JAVA_LONG, iov + 8, capacity);
            long m = (long) MMSG * i;
            rxMsgs.set(JAVA_LONG, m, target.raw() ? 0 : rxNames.address() + 16L * i); // msg_name
            rxMsgs.set(JAVA_INT, m + 8, target.raw() ? 0 : 16);                        // msg_namelen
            rxMsgs.set(JAVA_LONG, m + 16, rxIov.address() + iov);                       // msg_iov
            rxMsgs.set(JAVA_LONG, m + 24, 1);                                           // msg_iovlen
            rxMsgs.set(JAVA_LONG, m + 32, 0);                                           // msg_control
            rxMsgs.set(JAVA_LONG, m + 40, 0);                                           // msg_controllen
            rxMsgs.set(JAVA_INT, m + 48, 0);                                            // msg_flags
        }
        int rc = Libc.recvmmsg(fd, rxMsgs, n, MSG_DONTWAIT | MSG_TRUNC, callState, pollFd);
        int taken = 0;
        if (rc > 0) {
            batchTime = System.nanoTime();
            for (int i = 0; i < rc; i++) {
                long m = (long) MMSG * i;
                int length = rxMsgs.get(JAVA_INT, m + 56);
                int flags = rxMsgs.get(JAVA_INT, m + 48);
                if ((flags & MSG_TRUNC) != 0 || length > capacity) {
                    counters.increment(Counter.OVERSIZED); // longer than a frame: cut by the kernel, dropped
                    rxFree.push(posted[i]);
                    continue;
                }
                got[taken] = posted[i];
                gotLength[taken++] = length;
            }
            if (!target.raw()) {
                MemorySegment.copy(rxNames, 16L * (rc - 1), lastSender, 0, 16);
                haveSender = true;
            }
        }
        for (int i = Math.max(rc, 0); i < n; i++) {
            rxFree.push(posted[i]);
        }
        if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.EINTR) {
            throw new SyscallException("recvmmsg(" + spec + ")", -rc, -rc == Errno.ENETDOWN || -rc == Errno.ENXIO
                || -rc == Errno.ENODEV ? "the interface went down or away while receiving; reopen the port" : "");
        }
        gotCount = taken;
        gotNext = 0;
        return taken > 0;
    }

    @Override
    protected void giveBack(Frame p) {
        int f = p.frameIndex();
        ownership.giveUp(f, FramePlace.FREE, "release");
        if (f < rxFrames) {
            rxFree.push(f);
        } else {
            txFree.push(f);
        }
    }

    @Override
    protected void sleepUntilPackets(long timeoutNanos) {
        flush();
        // a socket wakes its poller as soon as data is queued: sleeping in the kernel costs no latency here
        Libc.poll(pollFd, 1, (int) Math.max(1, Math.min(timeoutNanos / 1_000_000, 1000)), callState);
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    @Override
    public Frame claim() {
        checkOpen();
        if (txFree.isEmpty()) {
            flush();
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

    @Override
    protected boolean send(Frame p, String action) {
        PortRules.checkSendable(ownership, p, action);
        if (!target.raw() && target.peer() == null && !haveSender) {
            throw new IllegalStateException(spec + " has no peer to send to: give one (udp:ADDR:PORT->PEER:PORT) or "
                + "receive first (a udp port answers its last sender)");
        }
        p.dropHolder();
        ownership.giveUp(p.frameIndex(), FramePlace.TX, action);
        staged[stagedCount++] = p.frameIndex();
        if (flushDue(stagedCount, txBatch, BATCH)) { // sendmmsg takes BATCH at most
            flush();
        }
        return true;
    }

    @Override
    public void flush() {
        if (stagedCount == 0 || closed) {
            return;
        }
        for (int i = 0; i < stagedCount; i++) {
            int f = staged[i];
            long iov = 16L * i;
            txIov.set(JAVA_LONG, iov, frames.nativeDataAddress(f));
            txIov.set(JAVA_LONG, iov + 8, packets[f].length());
            long m = (long) MMSG * i;
            boolean toSender = !target.raw() && target.peer() == null;
            txMsgs.set(JAVA_LONG, m, toSender ? lastSender.address() : 0);
            txMsgs.set(JAVA_INT, m + 8, toSender ? 16 : 0);
            txMsgs.set(JAVA_LONG, m + 16, txIov.address() + iov);
            txMsgs.set(JAVA_LONG, m + 24, 1);
            txMsgs.set(JAVA_LONG, m + 32, 0);
            txMsgs.set(JAVA_LONG, m + 40, 0);
            txMsgs.set(JAVA_INT, m + 48, 0);
        }
        int rc = Libc.sendmmsg(fd, txMsgs, stagedCount, MSG_DONTWAIT, callState);
        int sent = Math.max(rc, 0);
        for (int i = 0; i < stagedCount; i++) {
            int f = staged[i];
            if (i < sent) {
                counters.increment(Counter.PACKETS_TX);
                counters.add(Counter.BYTES_TX, packets[f].length());
            } else {
                counters.increment(Counter.DROPS); // the socket's queue was full: dropped and counted
            }
            ownership.tryMove(f, FramePlace.TX, FramePlace.FREE); // the kernel copied it: the frame is ours again
            if (f < rxFrames) {
                rxFree.push(f);
            } else {
                txFree.push(f);
            }
        }
        stagedCount = 0;
    }

    // ---- the rest ---------------------------------------------------------------------------------------

    @Override
    public String backend() {
        return "socket";
    }

    @Override
    public String mode() {
        return "recvmmsg";
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
        AuditReport report = ownership.audit();
        if (rxFree.size() + txFree.size() != ownership.count(FramePlace.FREE)) {
            report = report.withProblem("free pools hold " + (rxFree.size() + txFree.size()) + " frames, "
                + ownership.count(FramePlace.FREE) + " are FREE");
        }
        return report;
    }

    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        Libc.close(fd);
        arena.close();
        memory.close();
    }

    @Override
    public String toString() {
        return latencyMode ? spec + " (latency mode: spins while waiting)" : spec;
    }
}
