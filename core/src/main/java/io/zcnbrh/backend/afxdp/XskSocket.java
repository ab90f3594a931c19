package io.zcnbrh.backend.afxdp;

import io.zcnbrh.XskBindMode;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.ring.ConsumerRing;
import io.zcnbrh.ring.ProducerRing;
import io.zcnbrh.ring.RingLayout;
import io.zcnbrh.sys.ErrnoHint;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One AF_XDP socket (Documentation/networking/af_xdp.rst): socket(AF_XDP), XDP_UMEM_REG (or a shared UMEM),
 * the ring sizes, XDP_MMAP_OFFSETS (v1 or v2 by the length returned), mmap of the rings, bind to an interface
 * queue in copy or zero-copy mode with need_wakeup, then XDP_STATISTICS and XDP_OPTIONS. The rings are driven by
 * the foundation's {@link ProducerRing}/{@link ConsumerRing} with the offsets the kernel reported.
 */
public final class XskSocket implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.afxdp");
    private static final ErrnoHint UMEM_REG_HINT = e -> switch (e) {
        case Errno.ENOBUFS, Errno.ENOMEM -> "the UMEM is charged to RLIMIT_MEMLOCK (8 MiB here for users without "
            + "CAP_IPC_LOCK): run as root, use fewer frames, or go through zcnbrhd";
        case Errno.EINVAL -> "frame size must be a power of two from 2048 to the page size, and the UMEM page-aligned";
        default -> "";
    };
    private static final ErrnoHint RING_SIZES = e -> e == Errno.EINVAL ? "ring sizes must be powers of two" : "";

    private final int fd;
    private final int ifindex;
    private final int queue;
    private final boolean zeroCopy;
    private final boolean needWakeup;
    private final ProducerRing fill;
    private final ConsumerRing completion;
    private final ConsumerRing rx;
    private final ProducerRing tx;
    private final List<MemorySegment> ringMappings;
    private final Arena ringScope;
    private final String fallbackReason;
    /** Bound with XDP_USE_SG: a packet larger than a frame arrives (and may be sent) as a chain of descriptors. */
    private boolean multiBuffer;
    /** Bytes of TX metadata before each transmitted packet (0: none registered). */
    private int txMetadataLength;
    /** Why TX metadata was asked for and is not there, or null. */
    private String txMetadataAbsent;
    private boolean closed;

    private XskSocket(int fd, int ifindex, int queue, boolean zeroCopy, boolean needWakeup, ProducerRing fill,
                      ConsumerRing completion, ConsumerRing rx, ProducerRing tx, List<MemorySegment> ringMappings,
                      Arena ringScope, String fallbackReason) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.queue = queue;
        this.zeroCopy = zeroCopy;
        this.needWakeup = needWakeup;
        this.fill = fill;
        this.completion = completion;
        this.rx = rx;
        this.tx = tx;
        this.ringMappings = ringMappings;
        this.ringScope = ringScope;
        this.fallbackReason = fallbackReason;
    }

    /**
     * Opens a socket on {@code ifindex}/{@code queue} over {@code umem} ({@code frameSize}-byte frames, with
     * {@code umemHeadroom} bytes the kernel leaves free before XDP_PACKET_HEADROOM in each). The TX and completion
     * rings have {@code ringSize} entries, the RX ring {@code rxRingSize}, the fill ring twice {@code ringSize}. With
     * {@code sharedWith}, the UMEM of that socket is shared (XDP_SHARED_UMEM) and this socket gets its own fill and
     * completion rings when it is on another queue.
     */
    public static XskSocket open(int ifindex, int queue, Mapping umem, int frameSize, int umemHeadroom, int ringSize,
                                 int rxRingSize, XskBindMode mode, boolean needWakeup, XskSocket sharedWith) {
        return open(ifindex, queue, umem, frameSize, umemHeadroom, ringSize, rxRingSize, mode, needWakeup, sharedWith,
            true);
    }

    /**
     * As above; without {@code transmit} the socket has no TX ring at all. The kernel sizes rings only before bind
     * (xsk_setsockopt: EBUSY once bound), so whoever holds such a socket can never transmit through it.
     */
    public static XskSocket open(int ifindex, int queue, Mapping umem, int frameSize, int umemHeadroom, int ringSize,
                                 int rxRingSize, XskBindMode mode, boolean needWakeup, XskSocket sharedWith,
                                 boolean transmit) {
        return open(ifindex, queue, umem, frameSize, umemHeadroom, ringSize, rxRingSize, mode, needWakeup, sharedWith,
            transmit, XskFeatures.NONE);
    }

    /**
     * As above, with {@code features}: multi-buffer binds with XDP_USE_SG (af_xdp.rst: copy mode from Linux 6.6,
     * zero-copy where the driver offers it), so a packet larger than a frame is split over several frames instead of
     * dropped; TX metadata registers the UMEM with room for {@code struct xsk_tx_metadata} before each packet, with
     * checksums computed in software in copy mode (xsk-tx-metadata.rst; Linux 6.11), and where this kernel refuses
     * that, the socket opens without it and says why. A socket sharing another's UMEM takes that socket's choices.
     */
    public static XskSocket open(int ifindex, int queue, Mapping umem, int frameSize, int umemHeadroom, int ringSize,
                                 int rxRingSize, XskBindMode mode, boolean needWakeup, XskSocket sharedWith,
                                 boolean transmit, XskFeatures features) {
        boolean multiBuffer = features.multiBuffer();
        int fd = Libc.socket(IfXdp.AF_XDP, IfXdp.SOCK_RAW, 0, "AF_XDP", e -> switch (e) {
            case Errno.EPERM, Errno.EACCES -> "AF_XDP sockets need CAP_NET_RAW (run as root or through zcnbrhd)";
            case 97 -> "this kernel has no AF_XDP (CONFIG_XDP_SOCKETS, Linux 4.18+)"; // EAFNOSUPPORT
            default -> "";
        });
        List<MemorySegment> mappings = new ArrayList<>();
        // the rings are seen through a shared arena's views: after close() an access throws instead of touching
        // unmapped memory
        Arena scope = Arena.ofShared();
        try (Arena arena = Arena.ofConfined()) {
            boolean ownFillRings = sharedWith == null || sharedWith.queue != queue || sharedWith.ifindex != ifindex;
            int txLength = 0;
            String txAbsent = null;
            if (sharedWith == null) {
                MemorySegment reg = arena.allocate(IfXdp.UMEM_REG_SIZE, 8);
                reg.set(JAVA_LONG, IfXdp.UMEM_REG_ADDR, umem.segment().address());
                reg.set(JAVA_LONG, IfXdp.UMEM_REG_LEN, umem.segment().byteSize());
                reg.set(JAVA_INT, IfXdp.UMEM_REG_CHUNK_SIZE, frameSize);
                reg.set(JAVA_INT, IfXdp.UMEM_REG_HEADROOM, umemHeadroom);
                if (features.txMetadata()) {
                    reg.set(JAVA_INT, IfXdp.UMEM_REG_FLAGS, IfXdp.XDP_UMEM_TX_METADATA_LEN | IfXdp.XDP_UMEM_TX_SW_CSUM);
                    reg.set(JAVA_INT, IfXdp.UMEM_REG_TX_METADATA_LEN, IfXdp.TX_METADATA_LEN);
                    int rc = Libc.setsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_UMEM_REG, reg);
                    if (rc == 0) {
                        txLength = IfXdp.TX_METADATA_LEN;
                    } else if (rc == -Errno.EINVAL) {
                        txAbsent = "EINVAL from XDP_UMEM_REG with tx_metadata_len: this kernel has no AF_XDP TX "
                            + "metadata (Linux 6.11 with XDP_UMEM_TX_METADATA_LEN)";
                        reg.set(JAVA_INT, IfXdp.UMEM_REG_FLAGS, 0);
                        reg.set(JAVA_INT, IfXdp.UMEM_REG_TX_METADATA_LEN, 0);
                    } else {
                        Libc.orThrow(rc, "setsockopt(SOL_XDP, XDP_UMEM_REG with TX metadata, "
                            + umem.segment().byteSize() + " bytes)", UMEM_REG_HINT);
                    }
                }
                if (txLength == 0) {
                    Libc.orThrow(Libc.setsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_UMEM_REG, reg), "setsockopt(SOL_XDP, "
                        + "XDP_UMEM_REG, " + umem.segment().byteSize() + " bytes)", UMEM_REG_HINT);
                }
            }
            // The fill ring is twice the ring size: the kernel takes fill entries before it publishes its consumer
            // index (it releases lazily, at the end of a NAPI batch), so with as many receive frames as ring entries a
            // refill could find the ring "full" of entries the kernel already holds. Twice is always enough.
            int fillSize = 2 * ringSize;
            if (ownFillRings) {
                Libc.setsockoptInt(fd, IfXdp.SOL_XDP, IfXdp.XDP_UMEM_FILL_RING, fillSize, "SOL_XDP, XDP_UMEM_FILL_RING",
                    RING_SIZES);
                Libc.setsockoptInt(fd, IfXdp.SOL_XDP, IfXdp.XDP_UMEM_COMPLETION_RING, ringSize,
                    "SOL_XDP, XDP_UMEM_COMPLETION_RING", RING_SIZES);
            }
            Libc.setsockoptInt(fd, IfXdp.SOL_XDP, IfXdp.XDP_RX_RING, rxRingSize, "SOL_XDP, XDP_RX_RING", RING_SIZES);
            if (transmit) {
                Libc.setsockoptInt(fd, IfXdp.SOL_XDP, IfXdp.XDP_TX_RING, ringSize, "SOL_XDP, XDP_TX_RING",
                    RING_SIZES);
            }

            MemorySegment off = arena.allocate(IfXdp.MMAP_OFFSETS_V2_SIZE, 8);
            int len = Libc.getsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_MMAP_OFFSETS, off);
            if (len < 0) {
                throw new SyscallException("getsockopt(SOL_XDP, XDP_MMAP_OFFSETS)", -len, "");
            }
            // v2 has a flags offset per ring (32 bytes each); v1 (Linux < 5.4) has 24 bytes and no flags word
            int stride = len == IfXdp.MMAP_OFFSETS_V2_SIZE ? 32 : 24;
            ConsumerRing rxRing = new ConsumerRing(map(fd, off, 0, stride, rxRingSize, 16, IfXdp.XDP_PGOFF_RX_RING,
                "RX", mappings, scope), layout(off, 0, stride, rxRingSize, 16));
            ProducerRing txRing = transmit ? new ProducerRing(map(fd, off, 1, stride, ringSize, 16,
                IfXdp.XDP_PGOFF_TX_RING, "TX", mappings, scope), layout(off, 1, stride, ringSize, 16)) : null;
            ProducerRing fillRing = null;
            ConsumerRing compRing = null;
            if (ownFillRings) {
                fillRing = new ProducerRing(map(fd, off, 2, stride, fillSize, 8, IfXdp.XDP_UMEM_PGOFF_FILL_RING,
                    "fill", mappings, scope), layout(off, 2, stride, fillSize, 8));
                compRing = new ConsumerRing(map(fd, off, 3, stride, ringSize, 8,
                    IfXdp.XDP_UMEM_PGOFF_COMPLETION_RING, "completion", mappings, scope), layout(off, 3, stride, ringSize, 8));
            }
            boolean wakeup = needWakeup && stride == 32;
            int baseFlags = (wakeup ? IfXdp.XDP_USE_NEED_WAKEUP : 0) | (multiBuffer ? IfXdp.XDP_USE_SG : 0);
            String fallback = null;
            boolean zc;
            if (sharedWith != null) {
                // a socket sharing a UMEM takes its mode from the UMEM's owner: the kernel refuses copy, zero-copy
                // and need_wakeup flags next to XDP_SHARED_UMEM (xsk_bind, net/xdp/xsk.c)
                bindOrThrow(fd, ifindex, queue, IfXdp.XDP_SHARED_UMEM, sharedWith, arena);
                zc = sharedWith.zeroCopy;
                wakeup = sharedWith.needWakeup;
                fallback = sharedWith.fallbackReason;
            } else if (mode == XskBindMode.COPY) {
                bindOrThrow(fd, ifindex, queue, baseFlags | IfXdp.XDP_COPY, sharedWith, arena);
                zc = false;
            } else {
                int rc = bind(fd, ifindex, queue, baseFlags | IfXdp.XDP_ZEROCOPY, sharedWith, arena);
                if (rc == 0) {
                    zc = true;
                } else if (mode == XskBindMode.AUTO && (rc == -Errno.EOPNOTSUPP || rc == -Errno.EINVAL)) {
                    fallback = Errno.name(-rc) + " from bind(XDP_ZEROCOPY): the driver of interface " + ifindex
                        + " has no AF_XDP zero-copy";
                    bindOrThrow(fd, ifindex, queue, baseFlags | IfXdp.XDP_COPY, sharedWith, arena);
                    zc = false;
                } else {
                    throw bindFailure(-rc, baseFlags | IfXdp.XDP_ZEROCOPY, ifindex, queue);
                }
            }
            XskSocket s = new XskSocket(fd, ifindex, queue, zc, wakeup, fillRing, compRing, rxRing, txRing, mappings,
                scope, fallback);
            s.multiBuffer = sharedWith != null ? sharedWith.multiBuffer : multiBuffer;
            s.txMetadataLength = sharedWith != null ? sharedWith.txMetadataLength : txLength;
            s.txMetadataAbsent = sharedWith != null ? sharedWith.txMetadataAbsent : txAbsent;
            if (s.kernelReportsZeroCopy() != zc) {
                throw new ZcnbrhException("XDP_OPTIONS disagrees with the bind: zero-copy " + s.kernelReportsZeroCopy());
            }
            return s;
        } catch (RuntimeException e) {
            scope.close();
            mappings.forEach(Libc::munmap);
            Libc.close(fd);
            throw e;
        }
    }

    private static RingLayout layout(MemorySegment off, int ring, int stride, int size, int entrySize) {
        long base = (long) ring * stride;
        // v1 has no flags word; need_wakeup is then off and the flags offset is never read
        long flags = stride == 32 ? off.get(JAVA_LONG, base + 24) : off.get(JAVA_LONG, base) + 4;
        return new RingLayout(off.get(JAVA_LONG, base), off.get(JAVA_LONG, base + 8), flags,
            off.get(JAVA_LONG, base + 16), size, entrySize);
    }

    private static MemorySegment map(int fd, MemorySegment off, int ring, int stride, int size, int entrySize,
                                     long pgoff, String name, List<MemorySegment> mappings, Arena scope) {
        long length = off.get(JAVA_LONG, (long) ring * stride + 16) + (long) size * entrySize;
        MemorySegment m = Libc.mmap(length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE,
            fd, pgoff, "AF_XDP " + name + " ring", e -> "");
        mappings.add(m);
        return m.reinterpret(scope, null);
    }

    /**
     * Takes over an AF_XDP socket that another process (the zcnbrhd daemon) created, gave a UMEM, sized and bound,
     * and passed over SCM_RIGHTS: maps its four rings here (no privilege needed for that) and reads the mode from
     * XDP_OPTIONS. {@code ringSize}, {@code rxRingSize}, {@code needWakeup} and {@code transmit} (whether it has a TX
     * ring) are what the daemon used.
     */
    public static XskSocket adopt(int fd, int ifindex, int queue, int ringSize, int rxRingSize, boolean needWakeup,
                                  boolean transmit) {
        List<MemorySegment> mappings = new ArrayList<>();
        Arena scope = Arena.ofShared();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(IfXdp.MMAP_OFFSETS_V2_SIZE, 8);
            int len = Libc.getsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_MMAP_OFFSETS, off);
            if (len < 0) {
                throw new SyscallException("getsockopt(SOL_XDP, XDP_MMAP_OFFSETS) on a passed socket", -len,
                    "the descriptor is not a bound AF_XDP socket");
            }
            int stride = len == IfXdp.MMAP_OFFSETS_V2_SIZE ? 32 : 24;
            int fillSize = 2 * ringSize;
            ConsumerRing rxRing = new ConsumerRing(map(fd, off, 0, stride, rxRingSize, 16, IfXdp.XDP_PGOFF_RX_RING,
                "RX", mappings, scope), layout(off, 0, stride, rxRingSize, 16));
            ProducerRing txRing = transmit ? new ProducerRing(map(fd, off, 1, stride, ringSize, 16,
                IfXdp.XDP_PGOFF_TX_RING, "TX", mappings, scope), layout(off, 1, stride, ringSize, 16)) : null;
            ProducerRing fillRing = new ProducerRing(map(fd, off, 2, stride, fillSize, 8, IfXdp.XDP_UMEM_PGOFF_FILL_RING,
                "fill", mappings, scope), layout(off, 2, stride, fillSize, 8));
            ConsumerRing compRing = new ConsumerRing(map(fd, off, 3, stride, ringSize, 8,
                IfXdp.XDP_UMEM_PGOFF_COMPLETION_RING, "completion", mappings, scope), layout(off, 3, stride, ringSize, 8));
            XskSocket s = new XskSocket(fd, ifindex, queue, false, needWakeup && stride == 32, fillRing, compRing,
                rxRing, txRing, mappings, scope, null);
            return s.kernelReportsZeroCopy()
                ? new XskSocket(fd, ifindex, queue, true, s.needWakeup, fillRing, compRing, rxRing, txRing, mappings,
                    scope, null)
                : s;
        } catch (RuntimeException e) {
            scope.close();
            mappings.forEach(Libc::munmap);
            throw e;
        }
    }

    /**
     * bind(2), retrying EBUSY for up to a second: a socket closed just before may still hold the queue. Returns 0
     * or {@code -errno}, as {@link Libc} does.
     */
    private static int bind(int fd, int ifindex, int queue, int flags, XskSocket shared, Arena arena) {
        int rc = bindOnce(fd, ifindex, queue, flags, shared, arena);
        for (int i = 0; rc == -Errno.EBUSY && i < 50; i++) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            rc = bindOnce(fd, ifindex, queue, flags, shared, arena);
        }
        return rc;
    }

    private static int bindOnce(int fd, int ifindex, int queue, int flags, XskSocket shared, Arena arena) {
        MemorySegment sa = arena.allocate(IfXdp.SXDP_SIZE, 8);
        sa.set(JAVA_SHORT, IfXdp.SXDP_FAMILY, (short) IfXdp.AF_XDP);
        sa.set(JAVA_SHORT, IfXdp.SXDP_FLAGS, (short) flags);
        sa.set(JAVA_INT, IfXdp.SXDP_IFINDEX, ifindex);
        sa.set(JAVA_INT, IfXdp.SXDP_QUEUE_ID, queue);
        sa.set(JAVA_INT, IfXdp.SXDP_SHARED_UMEM_FD, shared == null ? 0 : shared.fd);
        return Libc.bind(fd, sa);
    }

    private static void bindOrThrow(int fd, int ifindex, int queue, int flags, XskSocket shared, Arena arena) {
        int rc = bind(fd, ifindex, queue, flags, shared, arena);
        if (rc != 0) {
            throw bindFailure(-rc, flags, ifindex, queue);
        }
    }

    private static SyscallException bindFailure(int errno, int flags, int ifindex, int queue) {
        String mode = ((flags & IfXdp.XDP_ZEROCOPY) != 0 ? "XDP_ZEROCOPY" : "XDP_COPY")
            + ((flags & IfXdp.XDP_USE_SG) != 0 ? " | XDP_USE_SG" : "");
        if ((flags & IfXdp.XDP_USE_SG) != 0 && (errno == Errno.EOPNOTSUPP || errno == Errno.EINVAL)) {
            return new SyscallException("bind(AF_XDP, " + mode + ", ifindex " + ifindex + ", queue " + queue + ")",
                errno, "multi-buffer AF_XDP (XDP_USE_SG) needs Linux 6.6 in copy mode, or a driver with zero-copy "
                    + "multi-buffer; or make packets fit one frame: a lower MTU, or 4096-byte frames");
        }
        return new SyscallException("bind(AF_XDP, " + mode + ", ifindex " + ifindex + ", queue " + queue + ")", errno,
            switch (errno) {
                case Errno.EOPNOTSUPP -> "the driver has no AF_XDP zero-copy; use copy mode";
                case Errno.EINVAL -> "queue " + queue + " does not exist on this interface, or the flags do not fit";
                case Errno.EBUSY -> "another AF_XDP socket is already bound to this queue";
                case Errno.ENODEV -> "the interface is gone";
                default -> "";
            });
    }

    private boolean kernelReportsZeroCopy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment opt = arena.allocate(JAVA_INT);
            int len = Libc.getsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_OPTIONS, opt);
            if (len < 0) {
                return zeroCopy; // XDP_OPTIONS is Linux 5.3+: trust the bind
            }
            return (opt.get(JAVA_INT, 0) & IfXdp.XDP_OPTIONS_ZEROCOPY) != 0;
        }
    }

    /**
     * Raises how many frames one sendto() sends in copy mode (XDP_MAX_TX_SKB_BUDGET, af_xdp.rst: 32 to the TX ring
     * size, 32 by default): fewer system calls per frame. Returns the budget in force; 32 where the kernel has no
     * such option (before Linux 6.17: ENOPROTOOPT) or refuses (EACCES).
     */
    public int raiseTxBudget(int wanted) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, Math.max(32, Math.min(wanted, tx == null ? 32 : tx.size())));
            return Libc.setsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_MAX_TX_SKB_BUDGET, v) == 0 ? v.get(JAVA_INT, 0) : 32;
        }
    }

    /**
     * XDP_STATISTICS: rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full, rx_fill_ring_empty_descs,
     * tx_ring_empty_descs (the last three are 0 on kernels with the v1 struct).
     */
    public long[] statistics() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(IfXdp.STATISTICS_SIZE, 8);
            int len = Libc.getsockopt(fd, IfXdp.SOL_XDP, IfXdp.XDP_STATISTICS, st);
            if (len < 0) {
                throw new SyscallException("getsockopt(SOL_XDP, XDP_STATISTICS)", -len, "");
            }
            long[] out = new long[6];
            for (int i = 0; i < Math.min(6, len / 8); i++) {
                out[i] = st.get(JAVA_LONG, i * 8L);
            }
            return out;
        }
    }

    /** The socket's fd (for the XSKMAP). */
    public int fd() {
        return fd;
    }

    /** The interface index. */
    public int ifindex() {
        return ifindex;
    }

    /** The queue. */
    public int queue() {
        return queue;
    }

    /** Whether the kernel reports zero-copy mode (XDP_OPTIONS). */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    /** Bytes of TX metadata registered before each transmitted packet (0: none). */
    public int txMetadataLength() {
        return txMetadataLength;
    }

    /** Why TX metadata was asked for and is not there, or null. */
    public String txMetadataAbsent() {
        return txMetadataAbsent;
    }

    /** Whether the socket was bound with XDP_USE_SG (multi-buffer packets). */
    public boolean multiBuffer() {
        return multiBuffer;
    }

    /** Whether need_wakeup is in use. */
    public boolean needWakeup() {
        return needWakeup;
    }

    /** Why zero-copy was not taken in AUTO mode, or null. */
    public String fallbackReason() {
        return fallbackReason;
    }

    /** The fill ring (null for a socket sharing another's on the same queue). */
    public ProducerRing fill() {
        return fill;
    }

    /** The completion ring (null when shared). */
    public ConsumerRing completion() {
        return completion;
    }

    /** The RX ring. */
    public ConsumerRing rx() {
        return rx;
    }

    /** The TX ring, or null for a receive-only socket. */
    public ProducerRing tx() {
        return tx;
    }

    /** Unmaps the rings and closes the socket; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ringScope.close();
        ringMappings.forEach(Libc::munmap);
        Libc.close(fd);
        LOG.log(System.Logger.Level.DEBUG, "closed AF_XDP socket on ifindex {0} queue {1}", ifindex, queue);
    }
}
