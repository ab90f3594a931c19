package io.zcnbrh.flow;

/** How much the port records about frame ownership. */
public enum OwnershipMode {
    /**
     * Records where each frame was taken (a stack trace per poll/claim) and rejects use after release.
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
