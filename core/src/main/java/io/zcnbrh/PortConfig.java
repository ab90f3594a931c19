package io.zcnbrh;

import io.zcnbrh.config.Backpressure;
import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.ring.RingLayout;

import java.time.Duration;
import java.util.Objects;

/** How to open a port; build with {@link #builder()}. Every value is checked when built, with a clear error. */
public final class PortConfig {
    private final int ringSize;
    private final int frameCount;
    private final int frameSize;
    private final int headroom;
    private final int numaNode;
    private final PageSize pageSize;
    private final OwnershipMode ownershipMode;
    private final int creditBudget;
    private final Backpressure backpressure;
    private final Duration blockTimeout;
    private final int txBatch;
    private final boolean latencyMode;
    private final XdpProgram program;
    private final AfXdpOptions afXdp;
    private final ShmOptions shm;
    private final AfPacketOptions afPacket;
    private final DaemonOptions daemon;

    private PortConfig(Builder b) {
        RingLayout.checkSize(b.ringSize);
        if (b.ringSize > MAX_RING_SIZE) {
            throw new IllegalArgumentException("ring size must be at most " + MAX_RING_SIZE + ", was " + b.ringSize
                + ": the AF_XDP fill ring is twice the ring size, and a ring holds at most " + RingLayout.MAX_SIZE);
        }
        FrameRegion.checkFrameSize(b.frameSize);
        FrameRegion.checkHeadroom(b.frameSize, b.headroom);
        int frames = b.frameCount > 0 ? b.frameCount : 2 * b.ringSize;
        if (frames < 2 || frames % 2 != 0 || frames > 2 * RingLayout.MAX_SIZE) {
            throw new IllegalArgumentException("frame count must be even, from 2 to " + 2 * RingLayout.MAX_SIZE
                + ", was " + frames);
        }
        if (b.numaNode < -1) {
            throw new IllegalArgumentException("NUMA node must be -1 (no binding) or a node number, was " + b.numaNode);
        }
        if (b.creditBudget < 0) {
            throw new IllegalArgumentException("credit budget must be positive (or 0 for the default), was "
                + b.creditBudget);
        }
        if (b.txBatch < 1 || b.txBatch > b.ringSize) {
            throw new IllegalArgumentException("txBatch must be 1.." + b.ringSize + " (the ring size), was " + b.txBatch);
        }
        this.ringSize = b.ringSize;
        this.frameCount = frames;
        this.frameSize = b.frameSize;
        this.headroom = b.headroom;
        this.numaNode = b.numaNode;
        this.pageSize = b.pageSize;
        this.ownershipMode = b.ownershipMode;
        this.creditBudget = b.creditBudget > 0 ? b.creditBudget : frames / 2;
        this.backpressure = b.backpressure;
        this.blockTimeout = b.blockTimeout;
        this.txBatch = b.txBatch;
        this.latencyMode = b.latencyMode;
        this.program = b.program;
        // The RX ring's 0 means "as large as the ring": resolved here, so the backend reads one number.
        this.afXdp = b.afXdp.rxRingSize() == 0 ? b.afXdp.withRxRingSize(b.ringSize) : b.afXdp;
        this.shm = b.shm;
        this.afPacket = b.afPacket;
        this.daemon = b.daemon;
    }

    /** Which XDP program an AF_XDP port attaches (default {@link XdpProgram#redirect()}). */
    public XdpProgram program() {
        return program;
    }

    /**
     * The filter deciding which frames reach the port, when the program is {@link XdpProgram.Filtered} (null: every
     * frame). Backends without kernel XDP run it in the interpreter.
     */
    public PacketFilter filter() {
        return program instanceof XdpProgram.Filtered f ? f.filter() : null;
    }

    /** AF_XDP's own options; the RX ring size is resolved (never 0). */
    public AfXdpOptions afXdp() {
        return afXdp;
    }

    /** The {@code shm:} port's own options. */
    public ShmOptions shm() {
        return shm;
    }

    /** AF_PACKET's own options. */
    public AfPacketOptions afPacket() {
        return afPacket;
    }

    /** The {@code zcnbrhd:} port's own options. */
    public DaemonOptions daemon() {
        return daemon;
    }

    /** Whether the port trades a core for latency ({@link Builder#latencyMode(boolean)}). */
    public boolean latencyMode() {
        return latencyMode;
    }

    /**
     * The default ring size, 8192 (a UMEM or region of 16384 frames of 2048 bytes, 32 MiB): the kernel holds 8192
     * receive frames, enough for a pause of the application of 40 ms at 0.2 Mpps or 2.5 ms at 3.3 Mpps without a
     * drop (a cold JVM, a GC pause, a busy core). Measured on this project's VM, AF_XDP receives as fast with it as
     * with 2048 (BENCHMARKS.md); a latency-bound application with little traffic may choose smaller rings.
     */
    public static final int DEFAULT_RING_SIZE = 8192;
    /** The largest ring: the AF_XDP fill ring is twice this, and the ring code takes at most 65536 entries. */
    public static final int MAX_RING_SIZE = 32768;

    /** A builder with the defaults: ring 8192, 2048-byte frames, headroom 256, unbound, fast ownership, drop newest. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static PortConfig defaults() {
        return builder().build();
    }

    /** Entries per ring (power of two, up to {@link #MAX_RING_SIZE}). */
    public int ringSize() {
        return ringSize;
    }

    /** Frames in the region (for shm: both sides together, half each). */
    public int frameCount() {
        return frameCount;
    }

    /** Bytes per frame: 2048 or 4096. */
    public int frameSize() {
        return frameSize;
    }

    /** Bytes before each frame's data. */
    public int headroom() {
        return headroom;
    }

    /** NUMA node to bind the memory to, or -1. */
    public int numaNode() {
        return numaNode;
    }

    /** Page size for the frame memory. */
    public PageSize pageSize() {
        return pageSize;
    }

    /** Ownership tracking mode. */
    public OwnershipMode ownershipMode() {
        return ownershipMode;
    }

    /** Frames the application may hold at once before poll stops handing out more (M5). */
    public int creditBudget() {
        return creditBudget;
    }

    /** What a sender does without credit. */
    public Backpressure backpressure() {
        return backpressure;
    }

    /** How long {@link Backpressure#BLOCK} waits before giving up and dropping. */
    public Duration blockTimeout() {
        return blockTimeout;
    }

    /** Transmits staged before they are published to the receiver in one store (1: each at once). */
    public int txBatch() {
        return txBatch;
    }

    /** A builder holding every value of this configuration, to build a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.ringSize = ringSize;
        b.frameCount = frameCount;
        b.frameSize = frameSize;
        b.headroom = headroom;
        b.numaNode = numaNode;
        b.pageSize = pageSize;
        b.ownershipMode = ownershipMode;
        b.creditBudget = creditBudget;
        b.backpressure = backpressure;
        b.blockTimeout = blockTimeout;
        b.txBatch = txBatch;
        b.latencyMode = latencyMode;
        b.program = program;
        b.afXdp = afXdp;
        b.shm = shm;
        b.afPacket = afPacket;
        b.daemon = daemon;
        return b;
    }

    /** Builds a {@link PortConfig}. */
    public static final class Builder {
        private int ringSize = DEFAULT_RING_SIZE;
        private int frameCount;
        private int frameSize = 2048;
        private int headroom = 256;
        private int numaNode = -1;
        private PageSize pageSize = PageSize.BASE;
        private OwnershipMode ownershipMode = OwnershipMode.FAST;
        private int creditBudget;
        private Backpressure backpressure = Backpressure.DROP_NEWEST;
        private Duration blockTimeout = Duration.ofSeconds(5);
        private int txBatch = 1;
        private boolean latencyMode;
        private XdpProgram program = XdpProgram.redirect();
        private AfXdpOptions afXdp = AfXdpOptions.defaults();
        private ShmOptions shm = ShmOptions.defaults();
        private AfPacketOptions afPacket = AfPacketOptions.defaults();
        private DaemonOptions daemon = DaemonOptions.defaults();

        private Builder() {
        }

        /** Entries per ring: a power of two up to {@link #MAX_RING_SIZE} (32768). */
        public Builder ringSize(int v) {
            ringSize = v;
            return this;
        }

        /** Frames in the region; default twice the ring size. */
        public Builder frameCount(int v) {
            frameCount = v;
            return this;
        }

        /** Bytes per frame: 2048 or 4096. */
        public Builder frameSize(int v) {
            frameSize = v;
            return this;
        }

        /** Bytes before each frame's data (at least 8, a multiple of 8). */
        public Builder headroom(int v) {
            headroom = v;
            return this;
        }

        /** Binds frame memory to this NUMA node and verifies the placement; -1 leaves it to the kernel. */
        public Builder numaNode(int v) {
            numaNode = v;
            return this;
        }

        /** Base pages or 2 MiB huge pages. */
        public Builder pageSize(PageSize v) {
            pageSize = v;
            return this;
        }

        /** Checked (records take sites, for tests) or fast ownership tracking. */
        public Builder ownershipMode(OwnershipMode v) {
            ownershipMode = v;
            return this;
        }

        /** Frames the application may hold at once; default half the frames. */
        public Builder creditBudget(int v) {
            creditBudget = v;
            return this;
        }

        /** Drop-and-count or block when a sender has no credit. */
        public Builder backpressure(Backpressure v) {
            backpressure = v;
            return this;
        }

        /** How long BLOCK waits. */
        public Builder blockTimeout(Duration v) {
            blockTimeout = v;
            return this;
        }

        /**
         * Publish transmits in groups of {@code v} (one release store and one cache-line hand-over per group
         * instead of per packet); {@link io.zcnbrh.Port#flush()} publishes a partial group. Default 1.
         */
        public Builder txBatch(int v) {
            txBatch = v;
            return this;
        }

        /**
         * Latency mode (default off): the port's thread never sleeps while it waits for packets
         * ({@link io.zcnbrh.Port#awaitPackets} and {@link io.zcnbrh.Port#receive} spin on the rings, so a packet is
         * seen within a poll of its arrival, at the cost of the whole core, busy even with no traffic), and AF_PACKET
         * uses per-frame TPACKET_V2 slots instead of TPACKET_V3 blocks (which reach the reader only when full or
         * after their 1 ms retire timeout). Give the thread a core of its own: one that shares its core with the
         * kernel's receive work (veth's NAPI, a NIC's interrupts) slows that work down. BENCHMARKS.md (latency) has
         * the round trips and the CPU cost.
         */
        public Builder latencyMode(boolean v) {
            latencyMode = v;
            return this;
        }

        /**
         * Which XDP program an AF_XDP port attaches: {@link XdpProgram#redirect()} (default), a filter, an object
         * file or a program of one's own. One program per port: the last call of this, or of {@code filter}, wins.
         */
        public Builder program(XdpProgram v) {
            program = Objects.requireNonNull(v, "program");
            return this;
        }

        /**
         * Only frames matching {@code f} reach the port: compiled into the AF_XDP port's XDP program (others go to
         * the kernel stack, or as {@link io.zcnbrh.filter.PacketFilter#verdicts} says), and run in the interpreter on
         * backends without kernel XDP. Verdict counts appear as filter_socket, filter_pass, filter_drop. Short for
         * {@code program(XdpProgram.filter(f))}; null: no filter.
         */
        public Builder filter(PacketFilter f) {
            program = f == null ? XdpProgram.redirect() : XdpProgram.filter(f);
            return this;
        }

        /** As {@link #filter(io.zcnbrh.filter.PacketFilter)}, compiling {@code expression} (tcpdump syntax). */
        public Builder filter(String expression) {
            program = XdpProgram.filter(expression);
            return this;
        }

        /** AF_XDP's own options (XDP mode, bind mode, need_wakeup, RX ring size, busy polling). */
        public Builder afXdp(AfXdpOptions v) {
            afXdp = Objects.requireNonNull(v, "afXdp");
            return this;
        }

        /** The {@code shm:} port's own options (role, permissions, attach timeout). */
        public Builder shm(ShmOptions v) {
            shm = Objects.requireNonNull(v, "shm");
            return this;
        }

        /** AF_PACKET's own options (fanout group). */
        public Builder afPacket(AfPacketOptions v) {
            afPacket = Objects.requireNonNull(v, "afPacket");
            return this;
        }

        /** The {@code zcnbrhd:} port's own options (the daemon's socket). */
        public Builder daemon(DaemonOptions v) {
            daemon = Objects.requireNonNull(v, "daemon");
            return this;
        }

        /** Checks every value and builds. */
        public PortConfig build() {
            return new PortConfig(this);
        }
    }
}
