package io.zcnbrh;

import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.XdpProgramFactory;
import io.zcnbrh.config.Backpressure;
import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.ring.RingLayout;

import java.time.Duration;

/** How to open a port; build with {@link #builder()}. Every value is checked when built, with a clear error. */
public final class PortConfig {
    /** Which side of a {@code shm:} port this process takes. */
    public enum ShmRole {
        /** Create the region; fail if the name exists. */
        CREATE,
        /** Attach to an existing region; fail if there is none. */
        ATTACH,
        /** Create the region, or attach when another process created it first. */
        AUTO
    }

    private final int ringSize;
    private final int rxRingSize;
    private final int frameCount;
    private final int frameSize;
    private final int headroom;
    private final int numaNode;
    private final PageSize pageSize;
    private final OwnershipMode ownershipMode;
    private final int creditBudget;
    private final Backpressure backpressure;
    private final Duration blockTimeout;
    private final int filePermissions;
    private final Duration attachTimeout;
    private final ShmRole shmRole;
    private final int txBatch;
    private final XdpMode xdpMode;
    private final XskBindMode bindMode;
    private final boolean needWakeup;
    private final int busyPollMicros;
    private final int busyPollBudget;
    private final boolean preferBusyPoll;
    private final boolean latencyMode;
    private final XdpProgramFactory xdpProgram;
    private final PacketFilter filter;
    private final java.nio.file.Path xdpObject;
    private final int fanoutGroup;
    private final String daemonSocket;
    private final String xdpObjectProgram;

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
        if ((b.filePermissions & ~0777) != 0) {
            throw new IllegalArgumentException("file permissions must be octal bits within 0777, was 0"
                + Integer.toOctalString(b.filePermissions));
        }
        this.ringSize = b.ringSize;
        this.rxRingSize = b.rxRingSize == 0 ? b.ringSize : b.rxRingSize;
        RingLayout.checkSize(rxRingSize);
        this.frameCount = frames;
        this.frameSize = b.frameSize;
        this.headroom = b.headroom;
        this.numaNode = b.numaNode;
        this.pageSize = b.pageSize;
        this.ownershipMode = b.ownershipMode;
        this.creditBudget = b.creditBudget > 0 ? b.creditBudget : frames / 2;
        this.backpressure = b.backpressure;
        this.blockTimeout = b.blockTimeout;
        this.filePermissions = b.filePermissions;
        this.attachTimeout = b.attachTimeout;
        this.shmRole = b.shmRole;
        if (b.txBatch < 1 || b.txBatch > b.ringSize) {
            throw new IllegalArgumentException("txBatch must be 1.." + b.ringSize + " (the ring size), was " + b.txBatch);
        }
        this.txBatch = b.txBatch;
        this.xdpMode = b.xdpMode;
        this.bindMode = b.bindMode;
        this.needWakeup = b.needWakeup;
        if (b.busyPollMicros < 0 || b.busyPollBudget < 0) {
            throw new IllegalArgumentException("busy poll time and budget must not be negative");
        }
        this.busyPollMicros = b.busyPollMicros;
        this.busyPollBudget = b.busyPollBudget;
        this.preferBusyPoll = b.preferBusyPoll;
        this.latencyMode = b.latencyMode;
        this.xdpProgram = b.xdpProgram;
        this.filter = b.filter;
        this.xdpObject = b.xdpObject;
        this.fanoutGroup = b.fanoutGroup;
        this.daemonSocket = b.daemonSocket;
        if (fanoutGroup < -1 || fanoutGroup > 0xffff) {
            throw new IllegalArgumentException("a fanout group id is 0..65535, was " + fanoutGroup);
        }
        this.xdpObjectProgram = b.xdpObjectProgram;
        if (xdpObject != null && (filter != null || xdpProgram != XdpProgramFactory.REDIRECT)) {
            throw new IllegalArgumentException("a port takes one XDP program: an object file (" + xdpObject
                + "), a filter or a program factory, not several");
        }
        if (filter != null && xdpProgram != XdpProgramFactory.REDIRECT) {
            throw new IllegalArgumentException("a port takes a filter or a program of one's own, not both (a program "
                + "of one's own can call PacketFilter.program itself)");
        }
    }

    /** AF_XDP: the XDP program to attach (default: redirect every frame to the socket of its queue). */
    public XdpProgramFactory xdpProgram() {
        return xdpProgram;
    }

    /** zcnbrhd: the daemon's socket (default /run/zcnbrh/zcnbrhd.sock). */
    public String daemonSocket() {
        return daemonSocket;
    }

    /** AF_PACKET: the PACKET_FANOUT group this port joins (-1: none). */
    public int fanoutGroup() {
        return fanoutGroup;
    }

    /** AF_XDP: the BPF object file whose XDP program and XSKMAP the port uses (null: the library's own). */
    public java.nio.file.Path xdpObject() {
        return xdpObject;
    }

    /** The function name of the program in {@link #xdpObject()} (null: its only program). */
    public String xdpObjectProgram() {
        return xdpObjectProgram;
    }

    /** The tcpdump-style filter deciding which frames reach the port (null: every frame). */
    public PacketFilter filter() {
        return filter;
    }

    /** AF_XDP: where the redirect program runs (native by default, generic when the driver has no native XDP). */
    public XdpMode xdpMode() {
        return xdpMode;
    }

    /** AF_XDP: copy, zero-copy, or zero-copy when the driver offers it (default). */
    public XskBindMode bindMode() {
        return bindMode;
    }

    /** AF_XDP: use the need_wakeup flags (default), so the kernel is only kicked when it asks. */
    public boolean needWakeup() {
        return needWakeup;
    }

    /** SO_BUSY_POLL in microseconds (0: off). */
    public int busyPollMicros() {
        return busyPollMicros;
    }

    /** SO_BUSY_POLL_BUDGET (0: the kernel's default). */
    public int busyPollBudget() {
        return busyPollBudget;
    }

    /** SO_PREFER_BUSY_POLL. */
    public boolean preferBusyPoll() {
        return preferBusyPoll;
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

    /**
     * Entries of the AF_XDP RX ring (default: the ring size). Smaller than the ring size, the kernel can hold more
     * filled frames than the RX ring takes, and a slow application shows as rx_ring_full instead of fill_ring_empty.
     */
    public int rxRingSize() {
        return rxRingSize;
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

    /** Permission bits of a shared-memory file this process creates. */
    public int filePermissions() {
        return filePermissions;
    }

    /** How long to wait for a shared region's creator to finish initialising it. */
    public Duration attachTimeout() {
        return attachTimeout;
    }

    /** Which side of a shm port to take. */
    public ShmRole shmRole() {
        return shmRole;
    }

    /** Transmits staged before they are published to the receiver in one store (1: each at once). */
    public int txBatch() {
        return txBatch;
    }

    /** Builds a {@link PortConfig}. */
    public static final class Builder {
        private int ringSize = DEFAULT_RING_SIZE;
        private int rxRingSize;
        private int frameCount;
        private int frameSize = 2048;
        private int headroom = 256;
        private int numaNode = -1;
        private PageSize pageSize = PageSize.BASE;
        private OwnershipMode ownershipMode = OwnershipMode.FAST;
        private int creditBudget;
        private Backpressure backpressure = Backpressure.DROP_NEWEST;
        private Duration blockTimeout = Duration.ofSeconds(5);
        private int filePermissions = 0600;
        private Duration attachTimeout = Duration.ofSeconds(10);
        private ShmRole shmRole = ShmRole.AUTO;
        private int txBatch = 1;
        private XdpMode xdpMode = XdpMode.DRIVER;
        private XskBindMode bindMode = XskBindMode.AUTO;
        private boolean needWakeup = true;
        private int busyPollMicros;
        private int busyPollBudget;
        private boolean preferBusyPoll;
        private boolean latencyMode;
        private XdpProgramFactory xdpProgram = XdpProgramFactory.REDIRECT;
        private PacketFilter filter;
        private java.nio.file.Path xdpObject;
        private int fanoutGroup = -1;
        private String daemonSocket = "/run/zcnbrh/zcnbrhd.sock";
        private String xdpObjectProgram;

        private Builder() {
        }

        /** Entries per ring: a power of two up to {@link #MAX_RING_SIZE} (32768). */
        public Builder ringSize(int v) {
            ringSize = v;
            return this;
        }

        /** AF_XDP RX ring entries: a power of two up to 65536; default the ring size. */
        public Builder rxRingSize(int v) {
            rxRingSize = v;
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

        /** Permission bits for a shm file this process creates (default 0600: only this user may attach). */
        public Builder filePermissions(int v) {
            filePermissions = v;
            return this;
        }

        /** How long an attaching process waits for the creator. */
        public Builder attachTimeout(Duration v) {
            attachTimeout = v;
            return this;
        }

        /** Create, attach, or either (default). */
        public Builder shmRole(ShmRole v) {
            shmRole = v;
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

        /** AF_XDP: native (DRIVER, default; falls back to SKB, announced) or generic (SKB) XDP. */
        public Builder xdpMode(XdpMode v) {
            xdpMode = v;
            return this;
        }

        /** AF_XDP: AUTO (zero-copy when offered, default), COPY or ZEROCOPY. */
        public Builder bindMode(XskBindMode v) {
            bindMode = v;
            return this;
        }

        /** AF_XDP: use need_wakeup (default true). */
        public Builder needWakeup(boolean v) {
            needWakeup = v;
            return this;
        }

        /** SO_BUSY_POLL microseconds, SO_BUSY_POLL_BUDGET and SO_PREFER_BUSY_POLL for the socket (0, 0, false: off). */
        public Builder busyPoll(int micros, int budget, boolean prefer) {
            busyPollMicros = micros;
            busyPollBudget = budget;
            preferBusyPoll = prefer;
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
         * Only frames matching {@code f} reach the port: compiled into the AF_XDP port's XDP program (others go to
         * the kernel stack, or as {@link io.zcnbrh.filter.PacketFilter#verdicts} says), and run in the interpreter on
         * backends without kernel XDP. Verdict counts appear as filter_socket, filter_pass, filter_drop.
         */
        public Builder filter(PacketFilter f) {
            filter = f;
            return this;
        }

        /** As {@link #filter(io.zcnbrh.filter.PacketFilter)}, compiling {@code expression} (tcpdump syntax). */
        public Builder filter(String expression) {
            filter = expression == null || expression.isBlank() ? null : PacketFilter.compile(expression);
            return this;
        }

        /** zcnbrhd: where the daemon listens. */
        public Builder daemonSocket(String path) {
            daemonSocket = java.util.Objects.requireNonNull(path);
            return this;
        }

        /**
         * AF_PACKET: join PACKET_FANOUT group {@code group} (hashing flows), so several ports on one interface, each
         * with its own poll thread, share its traffic; every port of the group must use the same id.
         */
        public Builder fanoutGroup(int group) {
            fanoutGroup = group;
            return this;
        }

        /**
         * AF_XDP: bring your own program, an object file built by {@code clang -target bpf -c -g}: the port loads
         * it, puts its socket into the object's XSKMAP and attaches {@code program} (null: the only one).
         */
        public Builder xdpObject(java.nio.file.Path file, String program) {
            xdpObject = file;
            xdpObjectProgram = program;
            return this;
        }

        /** AF_XDP: a program of one's own around the XSKMAP (filter, count, drop), instead of the plain redirect. */
        public Builder xdpProgram(XdpProgramFactory v) {
            xdpProgram = java.util.Objects.requireNonNull(v);
            return this;
        }

        /** Checks every value and builds. */
        public PortConfig build() {
            return new PortConfig(this);
        }
    }
}
