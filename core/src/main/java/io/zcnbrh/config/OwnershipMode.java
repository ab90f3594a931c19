package io.zcnbrh.config;

/** How much the port records about frame ownership. */
public enum OwnershipMode {
    /**
     * Records where each frame was taken (a stack trace per poll/claim) and rejects use after release: a
     * {@code segment()}, {@code bytes()}, release, transmit or forward of a packet whose frame is no longer the
     * application's. Packets are per-frame flyweights, so a stale reference to a frame that has been lent again
     * (received or claimed anew) is the new packet and passes: checked mode catches use after release until the
     * frame is lent again, not after.
     * For tests and debugging: it allocates per packet.
     */
    CHECKED,
    /**
     * The production mode: the per-frame place byte and counters only, no allocation. Illegal transitions
     * (double release, release of a frame never received) are still rejected, since one byte compare is all
     * it costs and a corrupted free pool would hand one frame to two owners.
     */
    FAST
}
