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
    FRAMES_RECLAIMED("frames_reclaimed");

    private final String metricName;

    Counter(String metricName) {
        this.metricName = metricName;
    }

    /** The exported name, such as {@code ring_full_count}. */
    public String metricName() {
        return metricName;
    }
}
