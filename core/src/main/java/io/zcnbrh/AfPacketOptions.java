package io.zcnbrh;

/**
 * What only an AF_PACKET port uses.
 *
 * @param fanoutGroup the PACKET_FANOUT group the port joins (hashing flows), so several ports on one interface, each
 *                    with its own poll thread, share its traffic; every port of the group uses the same id; -1: none
 */
public record AfPacketOptions(int fanoutGroup) {
    /** Checks the group id. */
    public AfPacketOptions {
        if (fanoutGroup < -1 || fanoutGroup > 0xffff) {
            throw new IllegalArgumentException("a fanout group id is 0..65535 (or -1: none), was " + fanoutGroup);
        }
    }

    /** No fanout. */
    public static AfPacketOptions defaults() {
        return new AfPacketOptions(-1);
    }

    /** Joins fanout group {@code group}. */
    public static AfPacketOptions fanout(int group) {
        return new AfPacketOptions(group);
    }
}
