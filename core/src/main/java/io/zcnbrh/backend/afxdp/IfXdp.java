package io.zcnbrh.backend.afxdp;

/**
 * Numbers and struct layouts of include/uapi/linux/if_xdp.h (and AF_XDP/SOL_XDP from linux/socket.h). Struct
 * offsets are named after their fields.
 */
final class IfXdp {
    static final int AF_XDP = 44;
    static final int SOL_XDP = 283;
    static final int SOCK_RAW = 3;

    // socket options (level SOL_XDP)
    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;
    static final int XDP_OPTIONS = 8;
    /** Frames one send syscall hands to the device in copy mode, 32 to the TX ring size (Linux 6.17; default 32). */
    static final int XDP_MAX_TX_SKB_BUDGET = 9;
    static final int XDP_OPTIONS_ZEROCOPY = 1;

    // sockaddr_xdp.sxdp_flags
    static final int XDP_SHARED_UMEM = 1 << 0;
    static final int XDP_COPY = 1 << 1;
    static final int XDP_ZEROCOPY = 1 << 2;
    static final int XDP_USE_NEED_WAKEUP = 1 << 3;
    static final int XDP_USE_SG = 1 << 4;

    // mmap offsets of the rings
    static final long XDP_PGOFF_RX_RING = 0;
    static final long XDP_PGOFF_TX_RING = 0x80000000L;
    static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /** The headroom the kernel keeps before the data of a received frame (XDP_PACKET_HEADROOM, include/linux/bpf.h). */
    static final int XDP_PACKET_HEADROOM = 256;

    // struct xdp_umem_reg { u64 addr; u64 len; u32 chunk_size; u32 headroom; u32 flags; u32 tx_metadata_len; }
    static final long UMEM_REG_ADDR = 0;
    static final long UMEM_REG_LEN = 8;
    static final long UMEM_REG_CHUNK_SIZE = 16;
    static final long UMEM_REG_HEADROOM = 20;
    static final long UMEM_REG_FLAGS = 24;
    static final long UMEM_REG_TX_METADATA_LEN = 28;
    // xdp_umem_reg.flags
    /** Checksums requested in TX metadata are computed in software (copy mode; Linux 6.11). */
    static final int XDP_UMEM_TX_SW_CSUM = 1 << 1;
    /** tx_metadata_len is valid (Linux 6.11; 6.8-6.10 read it without the flag). */
    static final int XDP_UMEM_TX_METADATA_LEN = 1 << 2;
    /** In a TX descriptor's options: the packet has metadata before it. */
    static final int XDP_TX_METADATA = 1 << 1;
    // struct xsk_tx_metadata { u64 flags; union { struct { u16 csum_start; u16 csum_offset; u64 launch_time; }
    //                          request; struct { u64 tx_timestamp; } completion; }; }
    static final int TX_METADATA_LEN = 24;
    static final int TXMD_FLAGS = 0;
    static final int TXMD_CSUM_START = 8;
    static final int TXMD_CSUM_OFFSET = 10;
    static final int TXMD_LAUNCH_TIME = 16;
    static final long XDP_TXMD_FLAGS_TIMESTAMP = 1 << 0;
    static final long XDP_TXMD_FLAGS_CHECKSUM = 1 << 1;
    static final long XDP_TXMD_FLAGS_LAUNCH_TIME = 1 << 2;
    static final long UMEM_REG_SIZE = 32;

    // struct sockaddr_xdp { u16 family; u16 flags; u32 ifindex; u32 queue_id; u32 shared_umem_fd; }
    static final long SXDP_FAMILY = 0;
    static final long SXDP_FLAGS = 2;
    static final long SXDP_IFINDEX = 4;
    static final long SXDP_QUEUE_ID = 8;
    static final long SXDP_SHARED_UMEM_FD = 12;
    static final long SXDP_SIZE = 16;

    // struct xdp_mmap_offsets { struct xdp_ring_offset rx, tx, fr, cr; } with
    // struct xdp_ring_offset { u64 producer; u64 consumer; u64 desc; u64 flags; } (v2, 128 bytes);
    // v1 (before Linux 5.4) had no flags: 24 bytes per ring, 96 in all.
    static final int MMAP_OFFSETS_V2_SIZE = 128;
    static final int MMAP_OFFSETS_V1_SIZE = 96;

    // struct xdp_statistics { u64 rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
    //                         rx_fill_ring_empty_descs, tx_ring_empty_descs; } (v1: the first three)
    static final int STATISTICS_SIZE = 48;
    static final int STATISTICS_V1_SIZE = 24;

    private IfXdp() {
    }
}
