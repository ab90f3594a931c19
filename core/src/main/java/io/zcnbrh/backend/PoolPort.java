package io.zcnbrh.backend;

import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;

/**
 * The receive side of backends whose kernel interface hands over one received packet at a time from a batch it
 * filled (recvmmsg, TPACKET_V3 blocks, io_uring completions): the backend lends the next packet
 * ({@link #receive}), this class applies the credit budget, the user-space filter and the counters the same way
 * {@link RingPort} does for descriptor rings.
 */
public abstract class PoolPort extends BasePort {
    /** The next received packet, already lent to the application; null when none is ready now. */
    protected abstract Frame receive();

    /** Called at the end of a batch poll, to publish what it staged (returned buffers, blocks). */
    protected void endBatch() {
    }

    @Override
    public final Packet poll() {
        checkReceiving();
        if (budgetSpent()) {
            return null;
        }
        try {
            for (Frame p = receive(); p != null; p = receive()) {
                if (admitted(p)) {
                    return p;
                }
            }
            return null;
        } finally {
            endBatch();
        }
    }

    @Override
    public final int poll(PacketHandler handler, int budget) {
        checkReceiving();
        int room = room(budget);
        if (room == 0) {
            return 0;
        }
        int delivered = 0;
        try {
            while (delivered < room) {
                Frame p = receive();
                if (p == null) {
                    break;
                }
                if (!admitted(p)) {
                    continue;
                }
                delivered++;
                handOver(handler, p);
            }
        } finally {
            endBatch();
        }
        return delivered;
    }
}
