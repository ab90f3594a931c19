package io.zcnbrh.backend.afpacket;

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
import io.zcnbrh.sys.ErrnoHint;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.RealtimeClock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.zcnbrh.sys.SocketFlags.MSG_DONTWAIT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code afpacket:IFACE}: AF_PACKET with TPACKET_V3 rings (Documentation/networking/packet_mmap.rst). The kernel
 * packs received frames into blocks of a mapped RX ring; the application gets each frame in place (no copy in the
 * JVM), and a block goes back to the kernel, in ring order, once every frame in it has been released. A block that
 * is not full reaches the reader only when its retire timeout ends (1 ms at the least), so in latency mode
 * ({@link PortConfig#latencyMode()}) the port uses TPACKET_V2 instead: one frame per slot, each visible as soon as
 * the kernel wrote it and given back on its own, at the cost of a status write per frame. Transmit uses
 * the TX ring (PACKET_QDISC_BYPASS), frames written in place and sent by one kick per batch. Kernel timestamps come
 * from the frame headers; PACKET_STATISTICS feeds the counters.
 */
public final class AfPacketPort extends PoolPort {
    private static final int PACKET_RX_RING = 5, PACKET_VERSION = 10, PACKET_TX_RING = 13,
        PACKET_LOSS = 14, PACKET_QDISC_BYPASS = 20;
    private static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1;
    private static final int TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_WRONG_FORMAT = 4;
    private static final int BLOCK_SIZE = 1 << 18;
    private static final int TX_FRAME_SIZE = 2048;
    /** TPACKET_V2's RX slot: a tpacket2_hdr, then the frame; slots lie back to back (the block size is a multiple). */
    private static final int RX_SLOT_SIZE = 2048;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final String spec;
    private final String ifname;
    /** Where the version's frame header keeps what the TX ring needs (packet_mmap.rst, tpacket2_hdr/tpacket3_hdr). */
    private final TpacketHeader header;
    /** TPACKET_V2 only: which RX slots the application holds (the kernel set them USER and waits for them). */
    private final boolean[] slotLent;
    private int rxSlot;
    private final int fd;
    private final MemorySegment ring;
    private final MemorySegment rawRing;
    private final long ringBytes;
    private final int blocks;
    private final int txFrames;
    private final long txBase;
    private final int rxPool;
    private final FrameStack free;
    private final int[] packetBlock;
    private final int[] outstanding;
    private final boolean[] fullyRead;
    private final MemorySegment[][] segmentCache;
    private int current;
    private boolean reading;
    private int packetsLeft;
    private int packetOffset;
    private int returnNext;
    private int txHead;
    private int txTail;
    private int txInFlight;
    private int staged;
    private final int txBatch;
    /** The frame headers' stamps are CLOCK_REALTIME: mapped to System.nanoTime()'s clock. */
    private final RealtimeClock clock = new RealtimeClock();
    private final Arena arena = Arena.ofShared();
    private final MemorySegment callState;
    private final MemorySegment pollFd;
    private final MemorySegment stats;
    private long kernelDrops;

    private AfPacketPort(String ifname, int fd, MemorySegment rawRing, long ringBytes, int blocks, int txFrames,
                         PortConfig config, TpacketHeader header) {
        this.spec = "afpacket:" + ifname;
        this.header = header;
        this.latencyMode = config.latencyMode();
        this.ifname = ifname;
        this.fd = fd;
        this.rawRing = rawRing;
        // every view of the rings is scoped to the port: a packet used after close throws instead of crashing
        this.ring = rawRing.reinterpret(arena, null);
        this.ringBytes = ringBytes;
        this.blocks = blocks;
        this.txFrames = txFrames;
        this.txBase = (long) blocks * BLOCK_SIZE;
        this.rxPool = Math.max(config.frameCount(), 2 * Math.min(config.ringSize(), 4096));
        int total = rxPool + txFrames;
        this.ownership = new FrameOwnership(total, FramePlace.FREE, config.ownershipMode());
        this.packets = new Frame[total];
        for (int i = 0; i < rxPool; i++) {
            packets[i] = new Frame(i, 0, ring.asSlice(0, 0), ring, ownership);
        }
        for (int t = 0; t < txFrames; t++) {
            long frame = txFrame(t);
            packets[rxPool + t] = new Frame(rxPool + t, frame + header.txData(), ring.asSlice(frame
                + header.txData(), TX_FRAME_SIZE - header.txData()), ring, ownership);
        }
        this.free = new FrameStack(rxPool);
        for (int i = rxPool - 1; i >= 0; i--) {
            free.push(i);
        }
        this.packetBlock = new int[rxPool];
        this.slotLent = header == TpacketHeader.V2 ? new boolean[blocks * (BLOCK_SIZE / RX_SLOT_SIZE)] : null;
        this.outstanding = new int[blocks];
        this.fullyRead = new boolean[blocks];
        this.segmentCache = new MemorySegment[blocks][BLOCK_SIZE / 16];
        this.creditBudget = Math.min(config.creditBudget(), rxPool);
        this.txBatch = config.txBatch();
        this.callState = Libc.newCallState(arena);
        this.pollFd = Libc.newPollFd(arena, fd);
        this.stats = arena.allocate(12, 4);
        this.softFilter = config.filter() != null ? SoftFilter.of(config.filter()) : null;
        watchInterface(ifname); // last: AF_PACKET keeps a socket on a vanished device silent, so the port asks
    }

    /**
     * Opens {@code IFACE}: TPACKET_V3 RX and TX rings (TPACKET_V2 in latency mode), bound after a drop-all filter
     * (no foreign frames).
     */
    public static AfPacketPort open(String ifname, PortConfig config) {
        if (ifname.isEmpty() || ifname.contains(":") || ifname.contains("@")) {
            throw new IllegalArgumentException("afpacket spec needs an interface name: afpacket:IFACE, got '" + ifname
                + "'");
        }
        int ifindex = Libc.ifindex(ifname);
        int fd = SocketTarget.packetSocket();
        MemorySegment ring = null;
        long bytes = 0;
        try {
            int blocks = Math.max(4, (int) Math.min(64, (long) config.ringSize() * 2048 / BLOCK_SIZE));
            int txFrames = Math.max(64, Math.min(config.ringSize(), 4096));
            int txBlocks = (txFrames * TX_FRAME_SIZE + BLOCK_SIZE - 1) / BLOCK_SIZE;
            txFrames = txBlocks * (BLOCK_SIZE / TX_FRAME_SIZE);
            TpacketHeader header = config.latencyMode() ? TpacketHeader.V2 : TpacketHeader.V3;
            Libc.setsockoptInt(fd, SocketTarget.SOL_PACKET, PACKET_VERSION, header.version(), "PACKET_VERSION " + header, ErrnoHint.NONE);
            // both before the rings: the kernel refuses them (EBUSY) once a ring exists
            Libc.setsockoptInt(fd, SocketTarget.SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS",
                ErrnoHint.NONE);
            Libc.setsockoptInt(fd, SocketTarget.SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS",
                ErrnoHint.NONE);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment req = a.allocate(28, 4);
                req.set(JAVA_INT, 0, BLOCK_SIZE);
                req.set(JAVA_INT, 4, blocks);
                req.set(JAVA_INT, 8, RX_SLOT_SIZE);
                req.set(JAVA_INT, 12, blocks * (BLOCK_SIZE / RX_SLOT_SIZE));
                req.set(JAVA_INT, 16, 1); // V3's tp_retire_blk_tov: a block that is not full goes to us after 1 ms
                ringOption(fd, PACKET_RX_RING, req, "PACKET_RX_RING");
                MemorySegment tx = a.allocate(28, 4);
                tx.set(JAVA_INT, 0, BLOCK_SIZE);
                tx.set(JAVA_INT, 4, txBlocks);
                tx.set(JAVA_INT, 8, TX_FRAME_SIZE);
                tx.set(JAVA_INT, 12, txFrames);
                ringOption(fd, PACKET_TX_RING, tx, "PACKET_TX_RING");
            }
            long mapBytes = (long) (blocks + txBlocks) * BLOCK_SIZE;
            bytes = mapBytes;
            ring = Libc.mmap(mapBytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, 0,
                "AF_PACKET rings", e -> e == Errno.ENOMEM ? "not enough memory for " + (mapBytes >> 20)
                    + " MiB of rings" : "");
            SocketTarget.bindToInterface(fd, ifname, ifindex);
            if (config.afPacket().fanoutGroup() >= 0) {
                // PACKET_FANOUT (18): group id | PACKET_FANOUT_HASH (0) << 16; a flow always lands on the same port
                Libc.setsockoptInt(fd, SocketTarget.SOL_PACKET, 18, config.afPacket().fanoutGroup(), "PACKET_FANOUT",
                    ErrnoHint.NONE);
            }
            SocketTarget.startReceivingRaw(fd);
            return new AfPacketPort(ifname, fd, ring, bytes, blocks, txFrames, config, header);
        } catch (RuntimeException e) {
            if (ring != null) {
                Libc.munmap(ring);
            }
            Libc.close(fd);
            throw e;
        }
    }

    private static void ringOption(int fd, int option, MemorySegment req, String name) {
        Libc.orThrow(Libc.setsockopt(fd, SocketTarget.SOL_PACKET, option, req), "setsockopt(" + name + ")",
            e -> e == Errno.EINVAL ? "the kernel refused the ring geometry (block size a multiple of the page size, "
                + "frames per block)" : e == Errno.ENOMEM ? "not enough memory for the ring" : "");
    }

    private long txFrame(int t) {
        int perBlock = BLOCK_SIZE / TX_FRAME_SIZE;
        return txBase + (long) (t / perBlock) * BLOCK_SIZE + (long) (t % perBlock) * TX_FRAME_SIZE;
    }

    // ---- receive ----------------------------------------------------------------------------------------

    @Override
    protected Frame receive() {
        checkInterface();
        return slotLent != null ? receiveSlot() : receiveFromBlock();
    }

    /** TPACKET_V2: the next slot, once the kernel has handed it over (TP_STATUS_USER, read with acquire). */
    private Frame receiveSlot() {
        while (true) {
            long hdr = (long) rxSlot * RX_SLOT_SIZE;
            if (slotLent[rxSlot] || ((int) INT.getAcquire(ring, hdr) & TP_STATUS_USER) == 0 || free.isEmpty()) {
                return null; // nothing new, or every flyweight is lent (the credit budget holds the rest)
            }
            // struct tpacket2_hdr {tp_status, tp_len, tp_snaplen, tp_mac (u16), tp_net (u16), tp_sec, tp_nsec, ...}
            int wire = ring.get(JAVA_INT, hdr + 4);
            int snap = ring.get(JAVA_INT, hdr + 8);
            int mac = ring.get(JAVA_SHORT, hdr + 12) & 0xffff;
            long stamp = clock.toMonotonic(Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + 16)) * 1_000_000_000L
                + Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + 20)));
            int slot = rxSlot;
            rxSlot = (rxSlot + 1) % slotLent.length;
            if (snap < wire) {
                counters.increment(Counter.OVERSIZED);
                INT.setRelease(ring, hdr, TP_STATUS_KERNEL);
                continue;
            }
            int i = free.pop();
            ownership.tryMove(i, FramePlace.FREE, FramePlace.APP);
            packetBlock[i] = slot;
            slotLent[slot] = true;
            int inBlock = (int) ((hdr + mac) % BLOCK_SIZE);
            Frame p = packets[i];
            p.lendAt(hdr + mac, view((int) (hdr / BLOCK_SIZE), inBlock), snap, stamp);
            return p;
        }
    }

    /** TPACKET_V3: the next frame of the current block, moving to the next block once the kernel retired it. */
    private Frame receiveFromBlock() {
        while (true) {
            if (packetsLeft == 0) {
                if (reading) { // every frame of the current block has been handed out
                    fullyRead[current] = true;
                    reading = false;
                    current = (current + 1) % blocks;
                    returnBlocks();
                }
                long base = (long) current * BLOCK_SIZE;
                // the kernel hands a block over by setting TP_STATUS_USER after writing it: read it with acquire
                if (fullyRead[current] || ((int) INT.getAcquire(ring, base + 8) & TP_STATUS_USER) == 0) {
                    return null;
                }
                packetsLeft = ring.get(JAVA_INT, base + 12);
                packetOffset = ring.get(JAVA_INT, base + 16);
                reading = true;
                if (packetsLeft == 0) {
                    continue;
                }
            }
            if (free.isEmpty()) {
                return null; // every flyweight is lent: the credit budget holds the rest in the ring
            }
            long base = (long) current * BLOCK_SIZE;
            long hdr = base + packetOffset;
            int next = ring.get(JAVA_INT, hdr);
            int snap = ring.get(JAVA_INT, hdr + 12);
            int wire = ring.get(JAVA_INT, hdr + 16);
            int mac = ring.get(JAVA_SHORT, hdr + 24) & 0xffff;
            long stamp = clock.toMonotonic(Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + 4)) * 1_000_000_000L
                + Integer.toUnsignedLong(ring.get(JAVA_INT, hdr + 8)));
            int offset = packetOffset + mac;
            packetOffset += next;
            packetsLeft--;
            if (snap < wire) {
                counters.increment(Counter.OVERSIZED); // longer than the ring's frames: cut by the kernel, dropped
                continue;
            }
            int i = free.pop();
            ownership.tryMove(i, FramePlace.FREE, FramePlace.APP);
            packetBlock[i] = current;
            outstanding[current]++;
            Frame p = packets[i];
            p.lendAt(base + offset, view(current, offset), snap, stamp);
            return p;
        }
    }

    /** The block's bytes from {@code offset} on; cached per 16-byte slot so steady traffic allocates nothing. */
    private MemorySegment view(int block, int offset) {
        MemorySegment[] cache = segmentCache[block];
        int slot = offset >>> 4;
        long address = ring.address() + (long) block * BLOCK_SIZE + offset;
        MemorySegment s = cache[slot];
        if (s == null || s.address() != address) {
            s = ring.asSlice((long) block * BLOCK_SIZE + offset, BLOCK_SIZE - offset);
            cache[slot] = s;
        }
        return s;
    }

    /** Returns blocks to the kernel in ring order, each once all its frames were read and released. */
    private void returnBlocks() {
        while (fullyRead[returnNext] && outstanding[returnNext] == 0) {
            fullyRead[returnNext] = false;
            INT.setRelease(ring, (long) returnNext * BLOCK_SIZE + 8, TP_STATUS_KERNEL);
            returnNext = (returnNext + 1) % blocks;
        }
    }

    @Override
    protected void giveBack(Frame p) {
        int i = p.frameIndex();
        if (i < rxPool) {
            ownership.giveUp(i, FramePlace.FREE, "release");
            free.push(i);
            if (slotLent != null) {
                int slot = packetBlock[i];
                slotLent[slot] = false;
                INT.setRelease(ring, (long) slot * RX_SLOT_SIZE, TP_STATUS_KERNEL); // the slot is the kernel's again
            } else {
                outstanding[packetBlock[i]]--;
                returnBlocks();
            }
        } else {
            // a claimed TX frame released unsent: tombstone it (length 0); with PACKET_LOSS the kernel skips it
            long frame = txFrame(i - rxPool);
            ownership.giveUp(i, FramePlace.TX, "release");
            ring.set(JAVA_INT, frame + header.length(), 0);
            INT.setRelease(ring, frame + header.status(), TP_STATUS_SEND_REQUEST);
            staged++;
        }
    }

    @Override
    protected void sleepUntilPackets(long timeoutNanos) {
        flush();
        Libc.poll(pollFd, 1, (int) Math.max(1, Math.min(timeoutNanos / 1_000_000, 1000)), callState);
    }

    // ---- transmit ---------------------------------------------------------------------------------------

    @Override
    public Frame claim() {
        checkOpen();
        reclaim();
        if (txInFlight == txFrames) {
            flush();
            reclaim();
            if (txInFlight == txFrames) {
                backpressure(Counter.RING_FULL);
                return null;
            }
        }
        // frames are claimed in ring order: the kernel sends in ring order and stops at the first frame not ready
        int t = txHead;
        txHead = (txHead + 1) % txFrames;
        txInFlight++;
        int i = rxPool + t;
        ownership.tryMove(i, FramePlace.FREE, FramePlace.APP);
        Frame p = packets[i];
        p.lend(0, 0);
        return p;
    }

    /** Frames the kernel has sent (status back to AVAILABLE) become claimable again, in ring order. */
    private void reclaim() {
        while (txInFlight > 0) {
            long frame = txFrame(txTail);
            int status = (int) INT.getAcquire(ring, frame + header.status());
            int i = rxPool + txTail;
            if (!ownership.isAt(i, FramePlace.TX)) {
                return; // claimed by the application, not sent yet
            }
            if (status == TP_STATUS_WRONG_FORMAT) {
                counters.increment(Counter.DROPS);
                ring.set(JAVA_INT, frame + header.status(), TP_STATUS_AVAILABLE);
            } else if (status != TP_STATUS_AVAILABLE) {
                return;
            }
            ownership.tryMove(i, FramePlace.TX, FramePlace.FREE);
            txTail = (txTail + 1) % txFrames;
            txInFlight--;
            counters.increment(Counter.FRAMES_RECLAIMED);
        }
    }

    @Override
    protected boolean send(Frame p, String action) {
        PortRules.checkSendable(ownership, p, action);
        int i = p.frameIndex();
        if (i < rxPool) {
            // forward: the RX and TX rings are different memory, so AF_PACKET forwards with one copy
            Frame out = claim();
            if (out == null) {
                return false; // dropped: the port takes the received frame back (BasePort)
            }
            MemorySegment.copy(p.segment(), 0, out.segment(), 0, p.length());
            out.length(p.length());
            release(p);
            return send(out, action);
        }
        p.dropHolder();
        long frame = txFrame(i - rxPool);
        ownership.giveUp(i, FramePlace.TX, action);
        ring.set(JAVA_INT, frame + header.length(), p.length());
        ring.set(JAVA_INT, frame + header.snapLength(), p.length());
        INT.setRelease(ring, frame + header.status(), TP_STATUS_SEND_REQUEST);
        counters.increment(Counter.PACKETS_TX);
        counters.add(Counter.BYTES_TX, p.length());
        if (flushDue(++staged, txBatch, Integer.MAX_VALUE)) { // frames are marked in place: any number
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
        long rc = Libc.kick(fd, MSG_DONTWAIT, callState); // send(fd, NULL, 0, MSG_DONTWAIT): send what is marked
        if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.ENOBUFS) {
            throw new SyscallException("send(" + spec + " TX ring)", (int) -rc, -rc == Errno.ENETDOWN
                || -rc == Errno.ENXIO ? "interface " + ifname + " went down or away" : "");
        }
    }

    // ---- the rest ---------------------------------------------------------------------------------------

    private void checkInterface() {
        checkOpen(); // the interface itself is watched by BasePort (InterfaceWatch)
    }

    @Override
    public String backend() {
        return "afpacket";
    }

    @Override
    public String mode() {
        return slotLent != null ? "tpacket_v2" : "tpacket_v3";
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public PortCounters counters() {
        if (!closed) {
            // struct tpacket_stats_v3 {tp_packets, tp_drops, tp_freeze_q_cnt}; reading resets them
            kernelDrops += SocketTarget.packetDrops(fd, stats);
            counters.set(Counter.KERNEL_DROPS, kernelDrops);
        }
        return super.counters();
    }

    @Override
    public AuditReport audit() {
        reclaim();
        AuditReport report = ownership.audit();
        int lent = 0;
        for (int b = 0; b < blocks; b++) {
            lent += outstanding[b];
        }
        for (int slot = 0; slotLent != null && slot < slotLent.length; slot++) {
            lent += slotLent[slot] ? 1 : 0;
        }
        if (lent != rxPool - free.size()) {
            report = report.withProblem("the ring counts " + lent + " lent frames, the pool " + (rxPool - free.size()));
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
        Libc.munmap(rawRing);
    }

    @Override
    public String toString() {
        return spec + " (" + header + (slotLent != null ? ", " + slotLent.length + " slots of " + RX_SLOT_SIZE
            + " B: each frame seen at once (latency mode)" : ", " + blocks + " blocks of " + (BLOCK_SIZE >> 10)
            + " KiB, handed over full or after 1 ms") + ", " + txFrames + " TX frames, " + (ringBytes >> 20)
            + " MiB mapped)";
    }
}
