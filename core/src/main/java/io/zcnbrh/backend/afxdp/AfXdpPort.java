package io.zcnbrh.backend.afxdp;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.PortConfig;
import io.zcnbrh.PortCounters;
import io.zcnbrh.backend.Frame;
import io.zcnbrh.backend.PortRules;
import io.zcnbrh.backend.RingPort;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.programs.XskMetadataProgram;
import io.zcnbrh.config.Backpressure;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.filter.FilterCounters;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.IdleStrategy;
import io.zcnbrh.flow.internal.FrameOwnership;
import io.zcnbrh.flow.internal.FrameStack;
import io.zcnbrh.flow.internal.ReceiveWait;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;
import io.zcnbrh.ring.RingLayout;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.zcnbrh.sys.SocketFlags.MSG_DONTWAIT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * {@code afxdp:IFACE@QUEUE}: raw Ethernet frames straight from the kernel's UMEM (M3, M8). The UMEM is split in
 * two: the first half are receive frames, which live on the fill ring, arrive on the RX ring, are lent to the
 * application and go back to the fill ring on release (the credit loop, M5); the second half are transmit
 * frames, claimed from a free pool, put on the TX ring, and reclaimed from the completion ring. A received frame
 * can be forwarded on the TX ring without a copy; on completion it returns to the fill ring. The XSKMAP redirect
 * program is loaded, attached and filled on open and removed on close.
 */
public final class AfXdpPort extends RingPort {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.afxdp");
    private static final int BATCH = 64;
    /** What this port asks one sendto() to send in copy mode (XDP_MAX_TX_SKB_BUDGET; the kernel's default is 32). */
    static final int WANTED_TX_BUDGET = 256;

    private final String spec;
    private final String ifname;
    private final PortConfig config;
    private final Mapping umem;
    private final FrameRegion frames;
    private final XskSocket socket;
    private final BpfMap xsks;
    private final BpfProgram program;
    private final XdpAttachment attachment;
    private final int rxFrames;
    private final FrameStack freePool;
    /** Not final: {@link #warmUp} points it at a private ring for a moment. */
    private ProducerRing fill;
    private final ConsumerRing completion;
    /** Not final: {@link #warmUp} points it at a private ring for a moment. */
    private ConsumerRing rx;
    private final ProducerRing tx;
    /** Each frame's data view at the usual offset, for packets an XDP program had moved. */
    private final MemorySegment[] views;
    private final int txBatch;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState;
    private final MemorySegment pollFd;
    private final IdleStrategy idle = IdleStrategy.backoff();
    private final ReceiveWait receiveWait;
    /** Frames one sendto() sends in copy mode: raised from the kernel's 32 where it allows (Linux 6.17). */
    private final int txBudget;
    /** The socket's send buffer in copy mode (bytes), where in-flight frames are charged as skbs. */
    private final int sendBuffer;
    /**
     * Copy mode charges every frame in flight to the socket's send buffer as an skb (about 1 KiB for a small frame);
     * the default (net.core.wmem_default, 208 KiB here) caps a socket at a few hundred frames in flight, and sendto()
     * then answers EAGAIN while the far end is still consuming. 4 MiB keeps thousands in flight (measured: transmit
     * fell to 1.2 Mpps in half the rounds with the default, stayed at 2.0-2.1 with this).
     */
    static final int COPY_MODE_SEND_BUFFER = 4 << 20;
    private final String modeLine;
    private final XskResources resources;
    /** This port's first byte in the UMEM: kernel addresses are base + the frame region's addresses. */
    private final long base;
    private AutoCloseable lease;
    private int pendingTx;
    private int pendingFill;
    private long batchTime;
    /** Frames whose TX metadata (before the packet) the application filled for their next send. */
    private final boolean[] txMetadata;
    /** The socket has TX metadata: without it no frame is ever marked, and the hot paths skip the table. */
    private final boolean txMetadataOn;
    /** The device's receive metadata lies before each packet (XskMetadataProgram). */
    private final boolean rxMetadata;
    private boolean metadataReported;
    /** SO_BUSY_POLL is set on the socket: latency mode's wait drives the device's NAPI from this thread. */
    private final boolean busyPolling;
    /** The queue's one fill ring when this port is one of several consumers of its queue, else null. */
    private final SharedFillRing sharedFill;
    /** With {@link #sharedFill}: the private ring {@link #fill} writes to, read here to move entries over. */
    private final ConsumerRing staged;

    private AfXdpPort(String spec, String ifname, int queue, PortConfig config) {
        this(spec, ifname, queue, config, XskResources.openAlone(ifname, queue, config));
    }

    private AfXdpPort(String spec, String ifname, int queue, PortConfig config, XskResources resources) {
        this.spec = spec;
        this.ifname = ifname;
        this.config = config;
        int ring = config.ringSize();
        int frameCount = resources.frameCount();
        QueueShare share = resources.share();
        // alone: half the fill ring (XskSocket sizes it 2x), so a refill always finds room; on a shared queue every
        // frame is a receive frame (a frame this port filled may arrive at another consumer, and back)
        this.rxFrames = share == null ? ring : frameCount;
        int fillFrom = share == null ? 0 : share.firstFrame();
        int fillCount = share == null ? rxFrames : share.frames();
        this.receiveWait = new ReceiveWait(config.afXdp().rxRingSize());
        Mapping mem = resources.umem();
        XskSocket sock = resources.socket();
        this.resources = resources;
        this.base = resources.base();
        this.umem = mem;
        this.socket = sock;
        this.xsks = resources.setup() == null ? null : resources.setup().xsks();
        this.program = resources.setup() == null ? null : resources.setup().program();
        // the kernel writes a received frame after the UMEM headroom plus XDP_PACKET_HEADROOM (256); this port's
        // frames are its slice of the UMEM, and kernel addresses are UMEM offsets: local address + base
        MemorySegment slice = mem.segment().asSlice(base, FrameRegion.bytesFor(frameCount, config.frameSize()));
        this.frames = new FrameRegion(slice, config.frameSize(), AfXdpControl.umemHeadroom(config) + IfXdp.XDP_PACKET_HEADROOM,
            frameCount);
        this.ownership = share == null ? new FrameOwnership(frameCount, FramePlace.FREE, config.ownershipMode())
            : share.ownership();
        this.packets = new Frame[frameCount];
        this.views = new MemorySegment[frameCount];
        for (int f = 0; f < frameCount; f++) {
            views[f] = frames.dataView(f);
            packets[f] = new Frame(f, frames.dataAddress(f), views[f], slice, ownership);
        }
        this.sharedFill = share == null ? null : share.fill();
        if (sharedFill == null) {
            this.fill = sock.fill();
            this.staged = null;
        } else {
            RingLayout staging = SharedFillRing.stagingLayout(frameCount);
            MemorySegment memory = arena.allocate(staging.byteSize(), 64);
            this.fill = new ProducerRing(memory, staging);
            this.staged = new ConsumerRing(memory, staging);
        }
        this.completion = sock.completion();
        this.rx = sock.rx();
        this.tx = sock.tx();
        this.freePool = new FrameStack(frameCount - rxFrames);
        for (int f = frameCount - 1; f >= rxFrames; f--) {
            freePool.push(f);
        }
        this.creditBudget = Math.min(config.creditBudget(), frameCount);
        this.latencyMode = config.latencyMode();
        this.busyPolling = config.afXdp().busyPollMicros() > 0;
        this.multiBuffer = sock.multiBuffer();
        this.txMetadata = new boolean[frameCount];
        this.txMetadataOn = sock.txMetadataLength() > 0;
        warmUp(fillFrom, fillCount);
        // after the warm-up, whose frames never saw the program
        this.rxMetadata = config.afXdp().rxMetadata() && resources.setup() != null;
        int n = fill.reserve(fillCount);
        for (int i = 0; i < n; i++) {
            int f = fillFrom + i;
            if (rxMetadata) {
                markMetadataAbsent(f);
            }
            fill.setAddress(fill.reservedIndex() + i, base + frames.frameAddress(f));
            ownership.tryMove(f, FramePlace.FREE, FramePlace.FILL);
        }
        fill.submit(n);
        if (sharedFill != null) {
            sharedFill.publish(staged);
        }
        this.txBatch = config.txBatch();
        // a socket without a TX ring (a receive-only grant, a consumer of a shared queue) never sends: no budget
        this.txBudget = sock.zeroCopy() || tx == null ? 0 : sock.raiseTxBudget(WANTED_TX_BUDGET);
        this.sendBuffer = sock.zeroCopy() || tx == null ? 0 : AfXdpControl.raiseSendBuffer(sock.fd(),
            COPY_MODE_SEND_BUFFER);
        this.callState = Libc.newCallState(arena);
        this.pollFd = Libc.newPollFd(arena, sock.fd());
        XdpAttachment attached;
        try {
            attached = resources.goLiveIfOwned(ifname, queue, config);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        this.attachment = attached;
        String xdp = attached == null ? "XDP program and XSKMAP of the daemon that passed the socket"
            : "XDP " + attached.mode() + " via " + attached.via();
        this.modeLine = "afxdp: " + ifname + " queue " + queue + ", " + (sock.zeroCopy() ? "zero-copy" : "copy")
            + " mode" + (sock.fallbackReason() != null ? " (" + sock.fallbackReason() + ")" : "") + ", "
            + xdp + (tx == null ? ", receive-only" : "") + ", " + frameCount + " frames of " + config.frameSize()
            + " B, rings of " + ring + (sock.needWakeup() ? ", need_wakeup" : "")
            + (share == null ? "" : ", consumer " + share.slot() + " of " + share.consumers() + " on this queue (one "
                + "UMEM, fill ring and ownership table; spread " + share.spread() + "; receive-only)")
            + (multiBuffer ? ", multi-buffer (XDP_USE_SG: a packet larger than a frame arrives as a chain)" : "")
            + (sock.txMetadataLength() > 0 ? ", TX metadata: checksum offload" + (sock.zeroCopy() ? " (by the NIC)"
                : " (computed in software, copy mode)") + ", launch time" + (sock.zeroCopy() ? "" : " (the skb's "
                + "departure time: a qdisc such as fq or etf honours it)") + ", completion timestamp " + (sock.zeroCopy()
                ? "where the driver offers it" : "absent (copy mode has none)")
                : sock.txMetadataAbsent() != null ? ", TX metadata absent (" + sock.txMetadataAbsent() + ")" : "")
            + (txBudget == 0 ? "" : ", " + txBudget + " frames per send" + (txBudget == 32 && WANTED_TX_BUDGET > 32
                ? " (this kernel has no XDP_MAX_TX_SKB_BUDGET)" : "") + ", send buffer " + (sendBuffer >> 10) + " KiB")
            + (busyPolling ? ", busy poll " + config.afXdp().busyPollMicros() + " us" + (config.afXdp().preferBusyPoll() ? " (preferred)"
                : "") : "") + (latencyMode ? ", latency mode (spins while waiting)" : "");
        LOG.log(System.Logger.Level.INFO, modeLine);
        watchInterface(ifname); // last: a socket on a downed or deleted device is silent, so the port asks
    }

    /**
     * A port over a socket and UMEM another process set up and passed (the zcnbrhd daemon): {@code socket} from
     * {@link XskSocket#adopt}, {@code umem} from {@link Mapping#ofDescriptor}; the daemon owns the XDP program and
     * the XSKMAP. {@code config} must describe what the daemon set up (frames, frame size, headroom, ring sizes).
     */
    public static AfXdpPort adopt(String ifname, XskSocket socket, Mapping umem, PortConfig config) {
        int frameCount = Math.max(config.frameCount(), 2 * config.ringSize());
        if (umem.segment().byteSize() < FrameRegion.bytesFor(frameCount, config.frameSize())) {
            throw new IllegalArgumentException("the passed UMEM has " + umem.segment().byteSize() + " bytes; "
                + frameCount + " frames of " + config.frameSize() + " need " + FrameRegion.bytesFor(frameCount,
                config.frameSize()));
        }
        return new AfXdpPort("afxdp:" + ifname + "@" + socket.queue(), ifname, socket.queue(), config,
            XskResources.adopted(umem, frameCount, socket));
    }

    /** Keeps {@code resource} (the daemon connection of an adopted socket) open until this port closes. */
    public void holdUntilClose(AutoCloseable resource) {
        this.lease = resource;
    }

    /**
     * A port on one queue of a group that shares a UMEM ({@link AfXdpQueues}), or one consumer of a queue several
     * sockets share ({@link AfXdpSharedQueue}: its spec ends in {@code #slot}).
     */
    static AfXdpPort openShared(String ifname, int queue, PortConfig config, XskResources shared) {
        String consumer = shared.share() == null ? "" : "#" + shared.share().slot();
        return new AfXdpPort("afxdp:" + ifname + "@" + queue + consumer, ifname, queue, config, shared);
    }

    /**
     * Opens {@code afxdp:IFACE@QUEUE}. Without {@code @QUEUE} the interface must have one receive queue; for several,
     * open each queue, or all of them on one UMEM with {@link AfXdpQueues}.
     */
    public static AfXdpPort open(String target, PortConfig config) {
        int at = target.lastIndexOf('@');
        String ifname = at < 0 ? target : target.substring(0, at);
        int queue;
        try {
            queue = at < 0 ? 0 : Integer.parseInt(target.substring(at + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("afxdp spec '" + target + "': the queue after @ must be a number");
        }
        if (ifname.isEmpty() || queue < 0) {
            throw new IllegalArgumentException("afxdp spec needs IFACE[@QUEUE], got '" + target + "'");
        }
        if (at < 0) {
            int queues = AfXdpQueues.rxQueues(ifname);
            if (queues > 1) {
                throw new IllegalArgumentException("interface " + ifname + " has " + queues + " receive queues: open "
                    + "afxdp:" + ifname + "@Q for one, or all of them on one UMEM with AfXdpQueues.open(\"" + ifname
                    + "\", config), one poll thread per queue");
            }
        }
        return new AfXdpPort("afxdp:" + target, ifname, queue, config);
    }

    // ---- receive ----------------------------------------------------------------------------------------

    /** How long the receive path runs on private rings before the socket goes live (see {@link #warmUp}). */
    static final long WARM_UP_NANOS = 150_000_000L;
    private static final int WARM_UP_MIN_ROUNDS = 400;
    /** The JIT's work is shared by every port of the process: only the first one spends {@link #WARM_UP_NANOS}. */
    private static final java.util.concurrent.atomic.AtomicBoolean FIRST_WARM_UP =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    private int warmSink;

    /**
     * Runs this port's own receive path (batch poll, single poll, release, refill of the fill ring) over its own
     * receive frames before the socket goes live, so the JIT has compiled it when the first frame comes: otherwise
     * the first milliseconds of traffic meet interpreted code and the fill ring runs dry (fill_ring_empty drops).
     * The kernel sees none of it: the RX and fill rings are swapped for private rings of the same layout, with this
     * method playing the kernel (fill entry in, RX descriptor out); afterwards every frame is FREE again, the
     * counters are zero and the real rings are back. Measured: a cold {@code zcnbrh rx} lost the first
     * milliseconds of a paced 0.2 Mpps flow without this (BENCHMARKS.md, ColdStartTest).
     */
    private void warmUp(int fillFrom, int fillCount) {
        ConsumerRing realRx = rx;
        ProducerRing realFill = fill;
        RingLayout rxLayout = RingLayout.compact(realRx.size(), 16);
        RingLayout fillLayout = RingLayout.compact(realFill.size(), 8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rxMem = a.allocate(rxLayout.byteSize(), 4096);
            MemorySegment fillMem = a.allocate(fillLayout.byteSize(), 4096);
            rx = new ConsumerRing(rxMem, rxLayout);
            fill = new ProducerRing(fillMem, fillLayout);
            ProducerRing kernelRx = new ProducerRing(rxMem, rxLayout);
            ConsumerRing kernelFill = new ConsumerRing(fillMem, fillLayout);
            int n = fill.reserve(fillCount);
            for (int i = 0; i < n; i++) {
                fill.setAddress(fill.reservedIndex() + i, base + frames.frameAddress(fillFrom + i));
                ownership.tryMove(fillFrom + i, FramePlace.FREE, FramePlace.FILL);
            }
            fill.submit(n);
            PacketHandler touch = p -> warmSink += p.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
            long end = System.nanoTime() + (FIRST_WARM_UP.getAndSet(false) ? WARM_UP_NANOS : 0);
            for (int round = 0; round < WARM_UP_MIN_ROUNDS || System.nanoTime() < end; round++) {
                int k = kernelFill.peek(BATCH);           // the "kernel": fill entries become RX descriptors
                if (kernelRx.reserve(k) == k) {
                    for (int i = 0; i < k; i++) {
                        long frameAddress = kernelFill.address(kernelFill.peekedIndex() + i) - base;
                        kernelRx.setDescriptor(kernelRx.reservedIndex() + i,
                            base + frames.dataAddress(frames.frameOf(frameAddress)), 64, 0);
                    }
                    kernelRx.submit(k);
                    kernelFill.release(k);
                } else {
                    kernelFill.cancel(k);
                }
                if ((round & 3) == 3) {
                    Packet p;
                    while ((p = poll()) != null) {
                        release(p);
                    }
                } else {
                    poll(touch, BATCH);
                }
            }
            for (int f = fillFrom; f < fillFrom + fillCount; f++) {
                ownership.tryMove(f, FramePlace.FILL, FramePlace.FREE);
            }
        } finally {
            rx = realRx;
            fill = realFill;
            pendingFill = 0;
            counters.set(Counter.PACKETS_RX, 0);
            counters.set(Counter.BYTES_RX, 0);
        }
    }

    @Override
    protected ConsumerRing rxRing() {
        return rx;
    }

    /**
     * The end of a batch poll: releases published to the fill ring, and sent frames taken off the completion ring
     * when any are out (a forwarding loop never claims, so nothing else would reap them, and its receive frames
     * would never get back to the fill ring: the port would stall with every frame on the completion ring).
     */
    @Override
    protected void flushReleases() {
        if (ownership.count(FramePlace.TX) > 0) {
            drainCompletions();
        }
        flushFill();
    }

    /** AF_XDP descriptors carry no time: one clock read per batch (per packet for single polls). */
    @Override
    protected long receiveClock() {
        return System.nanoTime();
    }

    /** Checks a descriptor the kernel wrote (M13: bounds and owner) and lends its frame to the application. */
    @Override
    protected Frame accept(long umemAddress, int length, long now) {
        long address = umemAddress - base;
        int frame = address < 0 ? -1 : frames.frameOf(address);
        if (frame < 0 || frame >= packets.length || !ownership.tryTake(frame, FramePlace.FILL)) {
            invalidDescriptor("out of the region or not the writer's frame");
            return null;
        }
        Frame p = packets[frame];
        if (frames.isValid(address, length)) { // where the kernel puts a frame: after the headroom
            if (p.address() != address) {
                p.lendAt(address, views[frame], length, now); // back from an offset an XDP program had chosen
            } else {
                p.lend(length, now);
            }
            if (rxMetadata) {
                p.markRxMetadata();
                if (!metadataReported) {
                    reportMetadata(p);
                }
            }
            return p;
        }
        // An XDP program may move the packet's start (bpf_xdp_adjust_head, or a daemon with another headroom):
        // any place inside the frame is the packet's; a view of it is made here (it allocates, off the usual path)
        long offset = address - frames.frameAddress(frame);
        if (length > 0 && offset + length <= frames.frameSize()) {
            p.lendAt(address, frames.memory().asSlice(address, frames.frameSize() - offset), length, now);
            return p;
        }
        invalidDescriptor("a descriptor past the end of its frame");
        p.lend(0, now);
        giveBack(p); // a bad descriptor does not cost a receive frame: it goes back to the fill ring
        return null;
    }

    /** Receive frames go back on the fill ring (the credit); transmit frames to the free pool. */
    @Override
    protected void giveBack(Frame p) {
        if (txMetadataOn && txMetadata[p.frameIndex()]) {
            txMetadata[p.frameIndex()] = false; // asked for a send that did not happen
        }
        int frame = p.frameIndex();
        if (frame < rxFrames) {
            ownership.giveUp(frame, FramePlace.FILL, "release");
            refill(frame);
        } else {
            ownership.giveUp(frame, FramePlace.FREE, "release");
            freePool.push(frame);
        }
    }

    /**
     * Writes "absent" into the metadata's status fields before the kernel gets the frame: the kernel copies metadata
     * only when the program wrote some, so a frame without it still reads as absent, not as an older packet's.
     */
    private void markMetadataAbsent(int frame) {
        long meta = frames.dataAddress(frame) - XskMetadataProgram.LENGTH;
        frames.memory().set(JAVA_INT, meta + XskMetadataProgram.TIMESTAMP_RC, XskMetadataProgram.ABSENT);
        frames.memory().set(JAVA_INT, meta + XskMetadataProgram.HASH_RC, XskMetadataProgram.ABSENT);
    }

    /** Says once per port what the device offers, from the first packet's metadata (xdp-rx-metadata.rst). */
    private void reportMetadata(Frame p) {
        metadataReported = true;
        LOG.log(System.Logger.Level.INFO, "{0}: receive metadata from the device: hash {1}, timestamp {2}", spec,
            metadataWord(p.rxHashStatus()), metadataWord(p.deviceTimestampStatus()));
    }

    private static String metadataWord(int status) {
        return status == 0 ? "yes" : status == XskMetadataProgram.ABSENT ? "absent (no metadata with the frame)"
            : "absent (" + Errno.name(-status) + (status == -Errno.EOPNOTSUPP ? ": the driver has none)"
                : status == -Errno.ENODATA ? ": none for this frame)" : ")");
    }

    private void refill(int frame) {
        // The fill ring has room for every receive frame twice over (see XskSocket), so this cannot fail; if a
        // kernel ever held more, failing loudly beats writing over entries it has not consumed.
        if (fill.reserve(1) == 0) {
            throw new IllegalStateException("fill ring full with " + rxFrames + " receive frames: kernel ring state "
                + "inconsistent (fill occupancy " + fill.occupancy() + ")");
        }
        fill.setAddress(fill.reservedIndex(), base + frames.frameAddress(frame));
        if (rxMetadata) {
            markMetadataAbsent(frame);
        }
        pendingFill++;
        if (!inBatch) {
            flushFill();
        }
    }

    private void flushFill() {
        if (pendingFill > 0) {
            fill.submit(pendingFill);
            pendingFill = 0;
            if (sharedFill != null) {
                sharedFill.publish(staged); // the staged frames onto the queue's one fill ring
            } else {
                wakeFillIfAsked();
            }
        }
    }

    private void wakeFillIfAsked() {
        if (socket.needWakeup() && fill.needsWakeup()) {
            Libc.poll(pollFd, 1, 0, callState); // af_xdp.rst: a poll() or recvfrom() wakes the driver for the fill ring
        }
    }

    /**
     * Waits for frames the way {@link ReceiveWait} decides from the traffic: under light traffic blocks in poll(2)
     * (af_xdp.rst: poll() also wakes the kernel when the fill ring asks, need_wakeup), under heavy traffic sleeps
     * so the kernel's receive work, often on this very core (veth's NAPI), fills the ring undisturbed.
     */
    @Override
    protected void sleepUntilPackets(long timeoutNanos) {
        flush();
        long park = receiveWait.next(counters.get(Counter.PACKETS_RX));
        if (pushSentFrames()) {
            park = ReceiveWait.MIN_PARK_NANOS; // come back at once rather than sleep
        }
        if (park < 0) {
            Libc.poll(pollFd, 1, (int) Math.max(1, (timeoutNanos + 999_999) / 1_000_000), callState);
        } else {
            java.util.concurrent.locks.LockSupport.parkNanos(Math.min(timeoutNanos, park));
        }
    }

    /**
     * Latency mode's wait step: sent frames still out are kicked and their completions taken (as when sleeping);
     * with SO_BUSY_POLL set the kernel is asked to run the device's NAPI on this core (af_xdp.rst, busy polling).
     */
    @Override
    protected void spinStep() {
        pushSentFrames();
        if (busyPolling) {
            Libc.busyPoll(socket.fd());
        }
    }

    /**
     * Takes the completions of sent frames and kicks the ones still out; true when some are. In copy mode sent frames
     * leave only while this thread kicks, and their completions (for forwarded frames, the fill ring's credit) come
     * without a wake-up of the socket, so a waiting forwarder must not sleep on them.
     */
    private boolean pushSentFrames() {
        if (ownership.count(FramePlace.TX) == 0) {
            return false;
        }
        drainCompletions();
        if (ownership.count(FramePlace.TX) == 0) {
            return false;
        }
        kick();
        return true;
    }

    /** Blocks in poll(2) until the RX ring has frames or {@code timeoutMillis} pass (for long idle periods). */
    public void blockInPoll(int timeoutMillis) {
        flush();
        Libc.poll(pollFd, 1, timeoutMillis, callState);
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    /** What a port whose socket has no TX ring (a receive-only zcnbrhd grant) says to claim, transmit and forward. */
    private ZcnbrhException receiveOnly() {
        if (resources.share() != null) {
            return new ZcnbrhException(spec + " is receive-only: it is one of " + resources.share().consumers()
                + " consumers of one queue, whose sockets share one completion ring, so no consumer's thread could "
                + "tell its sent frames from another's; send through a port of its own on another queue, or an "
                + "afpacket:/socket: port on the interface");
        }
        return new ZcnbrhException(spec + " is receive-only: its socket has no TX ring (the zcnbrhd grant for this "
            + "queue does not say 'tx'); ask the daemon's operator to add tx to the grant");
    }

    @Override
    public Frame claim() {
        if (tx == null) {
            throw receiveOnly();
        }
        drainCompletions(); // first, always: a frame just sent comes back on top of the pool, still in the cache
        if (freePool.isEmpty()) {
            if (pendingTx > 0) {
                flush();
                drainCompletions();
            }
            if (freePool.isEmpty() && !awaitFrame()) {
                backpressure(Counter.RING_FULL);
                return null;
            }
        }
        int frame = freePool.pop();
        ownership.tryTake(frame, FramePlace.FREE);
        Frame p = packets[frame];
        p.lend(0, 0);
        return p;
    }

    /**
     * Claims up to {@code max} transmit frames at once, completions drained first: the pool is a stack, so the
     * frames just sent are lent again while they are in the cache (measured: draining only when the pool ran low
     * cycled through every transmit frame, 16 MiB, and cost a cache miss per packet).
     */
    @Override
    public int claim(Packet[] into, int max) {
        if (tx == null) {
            throw receiveOnly();
        }
        drainCompletions();
        if (freePool.size() < max) {
            if (freePool.isEmpty() && pendingTx > 0) {
                flush();
                drainCompletions();
            }
        }
        int n = Math.min(max, freePool.size());
        if (n == 0) {
            backpressure(Counter.RING_FULL);
            return 0;
        }
        for (int i = 0; i < n; i++) {
            int frame = freePool.pop();
            ownership.tryTake(frame, FramePlace.FREE);
            Frame p = packets[frame];
            p.lend(0, 0);
            into[i] = p;
        }
        return n;
    }

    /**
     * The batch on the TX ring in one pass: one reservation, the descriptors, the counters once, one publish and
     * the kicks the batch needs. Each packet is checked as in {@link #transmit(Packet, int)}; a bad one stops the
     * batch there: those before it are sent, the unused slots given back, the error thrown. When the ring has no
     * room for the whole batch, the general path sends what fits and counts the rest as dropped.
     */
    @Override
    public int transmit(Packet[] batch, int[] lengths, int count) {
        checkRevoked();
        if (tx == null) {
            throw receiveOnly();
        }
        int n = tx.reserve(count);
        if (n == 0) {
            flush();
            drainCompletions();
            n = tx.reserve(count);
            if (n == 0) {
                return super.transmit(batch, lengths, count);
            }
        }
        int first = tx.reservedIndex();
        long bytes = 0;
        int i = 0;
        try {
            for (; i < n; i++) {
                Frame p = mine(batch[i], "transmit");
                int length = lengths[i];
                PortRules.checkLength(p, length);
                PortRules.checkSendable(ownership, p, "transmit");
                int frame = p.frameIndex();
                ownership.giveUp(frame, FramePlace.TX, "transmit");
                p.length(length);
                p.dropHolder();
                tx.setDescriptor(first + i, base + p.address(), length, 0);
                bytes += length;
            }
        } finally {
            if (i < n) {
                tx.cancel(n - i); // a bad packet: its slot and the ones after it were never written
            }
            counters.add(Counter.PACKETS_TX, i);
            counters.add(Counter.BYTES_TX, bytes);
            pendingTx += i;
            flush();
        }
        return i;
    }

    private boolean awaitFrame() {
        if (config.backpressure() != Backpressure.BLOCK) {
            return false;
        }
        long deadline = System.nanoTime() + config.blockTimeout().toNanos();
        idle.reset();
        while (System.nanoTime() < deadline) {
            kick();
            if (drainCompletions() > 0) {
                return true;
            }
            idle.idle();
        }
        return false;
    }

    @Override
    protected boolean send(Frame p, String action) {
        if (tx == null) {
            throw receiveOnly();
        }
        int frame = p.frameIndex();
        PortRules.checkSendable(ownership, p, action);
        int frags = p.fragmentCount();
        if (tx.reserve(frags) == 0) {
            flush();
            drainCompletions();
            if (tx.reserve(frags) == 0) {
                backpressure(Counter.RING_FULL);
                return false; // dropped: BasePort counts it and takes the frame back (the one meaning of false)
            }
        }
        int bytes = p.packetLength();
        if (frags == 1) {
            tx.setDescriptor(tx.reservedIndex(), base + p.address(), p.length(), txOptions(frame));
            ownership.giveUp(frame, FramePlace.TX, action);
            p.dropHolder();
        } else {
            // a multi-buffer packet: every fragment but the last says XDP_PKT_CONTD (af_xdp.rst); each frame comes
            // back on its own from the completion ring
            p.dropHolder();
            int idx = tx.reservedIndex();
            Frame f = p;
            for (int k = 0; f != null; k++) {
                Frame after = f.detach();
                tx.setDescriptor(idx + k, base + f.address(), f.length(),
                    (after != null ? PKT_CONTD : 0) | (f == p ? txOptions(f.frameIndex()) : 0));
                ownership.giveUp(f.frameIndex(), FramePlace.TX, action);
                f = after;
            }
        }
        counters.increment(Counter.PACKETS_TX);
        counters.add(Counter.BYTES_TX, bytes);
        pendingTx += frags - 1;
        if (flushDue(++pendingTx, txBatch, Integer.MAX_VALUE)) { // a full TX ring flushes in send itself
            flush();
        }
        return true;
    }

    @Override
    public void flush() {
        if (tx == null) {
            flushFill();
            return;
        }
        if (pendingTx > 0) {
            tx.submit(pendingTx);
            // copy mode: one sendto() sends at most 32 frames (xsk_generic_xmit's budget), so a batch of 64 needs
            // two, or half of it waits for the next batch while the ring backs up
            for (int k = socket.zeroCopy() ? 1 : (pendingTx + txBudget - 1) / txBudget; k > 0; k--) {
                kick();
            }
            pendingTx = 0;
        } else if (tx.occupancy() > 0) {
            kick(); // in copy mode one sendto() sends a bounded batch: entries may still wait on the ring
        }
        flushFill();
    }

    // ---- TX metadata (xsk-tx-metadata.rst) --------------------------------------------------------------------

    /** XDP_TX_METADATA when the application filled frame {@code frame}'s metadata for this send (then cleared). */
    private int txOptions(int frame) {
        if (!txMetadataOn || !txMetadata[frame]) {
            return 0;
        }
        txMetadata[frame] = false;
        return IfXdp.XDP_TX_METADATA;
    }

    /**
     * Asks the kernel to compute the checksum of claimed packet {@code packet} when it is sent: the one's complement
     * sum from byte {@code csumStart} to the end, stored at {@code csumStart + csumOffset} (for UDP over IPv4: start
     * 34, offset 6), as CHECKSUM_PARTIAL does: the field must hold the pseudo-header's folded sum. In copy mode the
     * kernel computes it in software (XDP_UMEM_TX_SW_CSUM); in zero-copy mode the NIC does, where it offers it.
     * Needs {@code AfXdpOptions.withTxMetadata(true)} and a kernel with TX metadata (the port's mode line says).
     */
    public void offloadChecksum(Packet packet, int csumStart, int csumOffset) {
        long meta = txMetadataOf(packet, "offloadChecksum");
        MemorySegment m = frames.memory();
        m.set(JAVA_LONG_UNALIGNED, meta + IfXdp.TXMD_FLAGS, m.get(JAVA_LONG_UNALIGNED, meta + IfXdp.TXMD_FLAGS)
            | IfXdp.XDP_TXMD_FLAGS_CHECKSUM);
        m.set(JAVA_SHORT_UNALIGNED, meta + IfXdp.TXMD_CSUM_START, (short) csumStart);
        m.set(JAVA_SHORT_UNALIGNED, meta + IfXdp.TXMD_CSUM_OFFSET, (short) csumOffset);
    }

    /**
     * Asks that claimed packet {@code packet} leave at {@code clockNanos} (XDP_TXMD_FLAGS_LAUNCH_TIME, Linux 6.14): in
     * copy mode the kernel stamps the skb's departure time, which a qdisc that honours it (fq, etf) keeps; a NIC
     * with launch-time offload does it in zero-copy mode. Needs {@code AfXdpOptions.withTxMetadata(true)}.
     */
    public void launchAt(Packet packet, long clockNanos) {
        long meta = txMetadataOf(packet, "launchAt");
        MemorySegment m = frames.memory();
        m.set(JAVA_LONG_UNALIGNED, meta + IfXdp.TXMD_FLAGS, m.get(JAVA_LONG_UNALIGNED, meta + IfXdp.TXMD_FLAGS)
            | IfXdp.XDP_TXMD_FLAGS_LAUNCH_TIME);
        m.set(JAVA_LONG_UNALIGNED, meta + IfXdp.TXMD_LAUNCH_TIME, clockNanos);
    }

    /** Where the TX metadata before a claimed packet starts (cleared on first use for this send); allocates nothing. */
    private long txMetadataOf(Packet packet, String action) {
        if (socket.txMetadataLength() == 0) {
            throw new UnsupportedOperationException(action + " needs TX metadata: " + (socket.txMetadataAbsent() != null
                ? socket.txMetadataAbsent() : "open the port with AfXdpOptions.withTxMetadata(true)"));
        }
        Frame p = mine(packet, action);
        PortRules.checkSendable(ownership, p, action);
        long meta = p.address() - IfXdp.TX_METADATA_LEN;
        if (!txMetadata[p.frameIndex()]) {
            MemorySegment m = frames.memory();
            m.set(JAVA_LONG_UNALIGNED, meta, 0);
            m.set(JAVA_LONG_UNALIGNED, meta + 8, 0);
            m.set(JAVA_LONG_UNALIGNED, meta + 16, 0);
            txMetadata[p.frameIndex()] = true;
        }
        return meta;
    }

    /**
     * Links the claimed frames into one multi-buffer packet and sends it: every fragment but the last with
     * XDP_PKT_CONTD. Needs the socket bound with XDP_USE_SG (the kernel refuses a continued descriptor otherwise).
     */
    @Override
    public boolean transmitFragments(Packet[] fragments, int[] lengths, int count) {
        if (count == 1) {
            return transmit(fragments[0], lengths[0]);
        }
        if (!multiBuffer) {
            return super.transmitFragments(fragments, lengths, count);
        }
        if (count > MAX_FRAGMENTS) {
            throw new IllegalArgumentException("a packet spans at most " + MAX_FRAGMENTS + " frames, was " + count);
        }
        Frame head = mine(fragments[0], "transmit");
        PortRules.checkLength(head, lengths[0]);
        head.length(lengths[0]);
        Frame last = head;
        for (int i = 1; i < count; i++) {
            Frame f = mine(fragments[i], "transmit");
            PortRules.checkSendable(ownership, f, "transmit");
            PortRules.checkLength(f, lengths[i]);
            f.length(lengths[i]);
            head.appendFragment(last, f);
            last = f;
        }
        return sendOrTakeBack(head, "transmit");
    }

    /** Copy mode needs a sendto() for every TX batch; zero-copy only when the kernel asks (need_wakeup). */
    private void kick() {
        if (tx == null) {
            return;
        }
        if (!socket.zeroCopy() || !socket.needWakeup() || tx.needsWakeup()) {
            long rc = Libc.kick(socket.fd(), MSG_DONTWAIT, callState);
            if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.EBUSY && rc != -Errno.ENOBUFS && rc != -100) {
                throw new SyscallException("sendto(AF_XDP TX kick)", (int) -rc, "the socket or interface failed");
            }
        }
    }

    /** Takes sent frames off the completion ring: receive frames back to the fill ring, transmit frames to the pool. */
    private int drainCompletions() {
        int total = 0;
        int n;
        while ((n = completion.peek(BATCH)) > 0) {
            int first = completion.peekedIndex();
            boolean batch = inBatch;
            inBatch = true;
            for (int i = 0; i < n; i++) {
                long addr = completion.address(first + i) - base;
                int frame = frames.frameOf(addr);
                if (addr < 0 || frame >= packets.length || !ownership.tryMove(frame, FramePlace.TX,
                    frame < rxFrames ? FramePlace.FILL : FramePlace.FREE)) {
                    invalidDescriptor("out of the region or not the writer's frame");
                    continue;
                }
                if (frame < rxFrames) {
                    refill(frame);
                } else {
                    freePool.push(frame);
                }
                total++;
            }
            completion.release(n);
            inBatch = batch;
            if (!batch) {
                flushFill();
            }
        }
        if (total > 0) {
            counters.add(Counter.FRAMES_RECLAIMED, total);
        }
        return total;
    }

    // ---- information ------------------------------------------------------------------------------------

    @Override
    public String backend() {
        return "afxdp";
    }

    @Override
    public String mode() {
        return zeroCopy() ? "zerocopy" : "copy";
    }

    @Override
    public String spec() {
        return spec;
    }

    /** One line: interface, queue, copy or zero-copy (and why), XDP mode and attach path, sizes. */
    public String modeLine() {
        return modeLine;
    }

    /** Whether the socket runs in zero-copy mode. */
    public boolean zeroCopy() {
        return socket.zeroCopy();
    }

    /** The AF_XDP socket: poll(2) reports it readable when its RX ring has frames. */
    @Override
    public int pollFd() {
        return socket.fd();
    }

    /** The socket (for tests and tools). */
    public XskSocket socket() {
        return socket;
    }

    /** The UMEM frame layout (for no-copy checks). */
    public FrameRegion frames() {
        return frames;
    }

    /** The XSKMAP the redirect program uses. */
    public BpfMap xskMap() {
        return xsks;
    }

    /** The port counters, with the kernel's XDP_STATISTICS copied in. */
    @Override
    public PortCounters counters() {
        PortCounters counters = super.counters();
        if (!closed) {
            long[] st = socket.statistics();
            counters.set(Counter.XDP_RX_DROPPED, st[0]);
            counters.set(Counter.XDP_RX_INVALID, st[1]);
            counters.set(Counter.XDP_TX_INVALID, st[2]);
            counters.set(Counter.XDP_RX_RING_FULL, st[3]);
            counters.set(Counter.XDP_FILL_RING_EMPTY, st[4]);
            counters.set(Counter.XDP_TX_RING_EMPTY, st[5]);
            FilterCounters verdicts = resources.setup() == null ? null : resources.setup().verdicts();
            if (verdicts != null) {
                counters.set(Counter.FILTER_SOCKET, verdicts.count(Verdict.SOCKET));
                counters.set(Counter.FILTER_PASS, verdicts.count(Verdict.PASS));
                counters.set(Counter.FILTER_DROP, verdicts.count(Verdict.DROP));
            }
        }
        return counters;
    }

    @Override
    public AuditReport audit() {
        drainCompletions();
        AuditReport report = ownership.audit();
        if (sharedFill != null) {
            return report; // the whole shared table, added up over its consumers; there is no free pool
        }
        if (freePool.size() != ownership.count(FramePlace.FREE)) {
            report = report.withProblem("free pool holds " + freePool.size() + " frames, "
                + ownership.count(FramePlace.FREE)
                + " are FREE");
        }
        return freePool.audit(report, "free pool", ownership, FramePlace.FREE, f -> f >= rxFrames);
    }

    @Override
    public void close() {
        if (!beginClose()) {
            return;
        }
        sendWhatIsQueued(1_000_000_000L);
        // Take the socket out of the XSKMAP first: the map holds a reference that would otherwise keep the queue
        // bound until the kernel frees the map later, and a port reopened at once would get EBUSY.
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, resources.xskKey());
            if (xsks != null) { // an adopted socket's map is the daemon's: it takes the socket out itself
                xsks.delete(k);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "XSKMAP delete on close: {0}", e.getMessage());
        }
        resources.close(attachment, lease);
        arena.close();
    }

    /**
     * At close: what transmit and forward put on the TX ring leaves before the socket goes. In copy mode one
     * sendto() sends a bounded batch (32 frames in xsk_generic_xmit), so a ring left with frames on it at close
     * would lose them silently; kick until every sent frame is back from the completion ring, for at most
     * {@code timeoutNanos} (a dead interface answers the kick with an error: then they are lost, and said so).
     */
    private void sendWhatIsQueued(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (ownership.count(FramePlace.TX) > 0 && System.nanoTime() < deadline) {
                kick();
                if (drainCompletions() == 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: sending the queued frames at close: {1}", spec, e.getMessage());
        }
        int left = ownership.count(FramePlace.TX);
        if (left > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0} closed with {1} frame(s) still on the TX ring: not sent", spec,
                left);
        }
    }

    @Override
    public String toString() {
        return modeLine;
    }
}
