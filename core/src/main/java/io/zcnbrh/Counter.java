package io.zcnbrh;

/** The per-port counters (M12); names are the ones the metrics export uses. */
public enum Counter {
    /** Packets handed to the application by poll. */
    PACKETS_RX("packets_rx"),
    /** Bytes handed to the application by poll. */
    BYTES_RX("bytes_rx"),
    /** Packets put on the ring toward the peer or kernel (transmitted and forwarded). */
    PACKETS_TX("packets_tx"),
    /** Bytes put on the ring toward the peer or kernel. */
    BYTES_TX("bytes_tx"),
    /** Received frames sent on without a copy. */
    FORWARDED("forwarded"),
    /** Times a sender found no credit: no free frame or a full ring (M5, M12's ring_full_count). */
    RING_FULL("ring_full_count"),
    /** Packets dropped by the backpressure policy. */
    DROPS("drops"),
    /** Descriptors from an untrusted writer that were out of bounds or named a frame it did not own (M13). */
    INVALID_DESCRIPTORS("invalid_descriptors"),
    /** Polls refused because the application already holds its whole credit budget. */
    CREDIT_STALLS("credit_stalls"),
    /** Frames that came back from the peer or kernel into the free pool. */
    FRAMES_RECLAIMED("frames_reclaimed"),
    /** AF_XDP: frames the kernel dropped for this socket (XDP_STATISTICS rx_dropped). */
    XDP_RX_DROPPED("xdp_rx_dropped"),
    /** AF_XDP: invalid descriptors on the fill ring (rx_invalid_descs). */
    XDP_RX_INVALID("xdp_rx_invalid_descs"),
    /** AF_XDP: invalid descriptors we put on the TX ring (tx_invalid_descs). */
    XDP_TX_INVALID("xdp_tx_invalid_descs"),
    /** AF_XDP: frames dropped because the RX ring was full (rx_ring_full). */
    XDP_RX_RING_FULL("xdp_rx_ring_full"),
    /** AF_XDP: times the fill ring was empty when a frame arrived (rx_fill_ring_empty_descs). */
    XDP_FILL_RING_EMPTY("xdp_fill_ring_empty"),
    /** AF_XDP: times the kernel found the TX ring empty (tx_ring_empty_descs). */
    XDP_TX_RING_EMPTY("xdp_tx_ring_empty"),
    /** Frames the kernel dropped for this socket: AF_PACKET's PACKET_STATISTICS tp_drops, io_uring's buffer shortage. */
    KERNEL_DROPS("kernel_drops"),
    /** Frames longer than a frame holds: cut by the kernel (AF_PACKET snap length, MSG_TRUNC); dropped and counted. */
    OVERSIZED("oversized"),
    /** Filter: frames whose verdict was the socket (the application), summed over CPUs. */
    FILTER_SOCKET("filter_socket"),
    /** Filter: frames whose verdict was the kernel stack (or, without a kernel stack behind the port, not delivered). */
    FILTER_PASS("filter_pass"),
    /** Filter: frames whose verdict was drop. */
    FILTER_DROP("filter_drop");

    private final String metricName;

    Counter(String metricName) {
        this.metricName = metricName;
    }

    /** The exported name, such as {@code ring_full_count}. */
    public String metricName() {
        return metricName;
    }
}
