package io.zcnbrh;

/**
 * Receives packets in the batch form of {@link Port#poll(PacketHandler, int)}. After {@link #onPacket}
 * returns, the port releases the packet unless the handler released, forwarded or transmitted it, or
 * called {@link Packet#retain()} to keep it (then it must {@link Port#release} it later).
 */
@FunctionalInterface
public interface PacketHandler {
    /** Called once per packet, on the polling thread. */
    void onPacket(Packet packet);
}
