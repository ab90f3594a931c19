package io.zcnbrh.backend;

import io.zcnbrh.Packet;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.internal.FrameOwnership;

/** The checks every backend makes the same way on the application's calls (M2, M5). */
public final class PortRules {
    private PortRules() {
    }

    /** {@code packet}, if it is one of this port's flyweights; else a clear error naming {@code action}. */
    public static Frame owned(Frame[] packets, Packet packet, String action) {
        int f = packet.frameIndex();
        if (f < 0 || f >= packets.length || packets[f] != packet) {
            throw new IllegalArgumentException("cannot " + action + " " + packet + ": it belongs to another port");
        }
        if (packet.isContinuation()) {
            throw new IllegalArgumentException("cannot " + action + " " + packet + " alone: it is a later fragment of "
                + "a multi-buffer packet; " + action + " the packet through its first fragment");
        }
        return packets[f]; // the same object, as the machinery's type
    }

    /** A transmit length must fit the frame's data area. */
    public static void checkLength(Frame p, int length) {
        if (length <= 0 || length > p.capacity()) {
            throw new IllegalArgumentException("transmit length must be 1.." + p.capacity() + ", was " + length);
        }
    }

    /** Only a frame the application holds alone may be sent: it changes owner (a shared frame would have two). */
    public static void checkSendable(FrameOwnership ownership, Frame p, String action) {
        int frame = p.frameIndex();
        if (!ownership.isAt(frame, FramePlace.APP)) {
            throw ownership.illegal(frame, action);
        }
        if (p.refCount() > 1) {
            throw new IllegalStateException("cannot " + action + " frame " + frame + ": it is shared by "
                + p.refCount() + " holders; the others must release it first (or copy it into a claimed frame)");
        }
    }

}
