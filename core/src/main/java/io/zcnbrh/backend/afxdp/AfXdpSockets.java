package io.zcnbrh.backend.afxdp;

import io.zcnbrh.XskBindMode;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/** The privileged steps the zcnbrhd daemon takes for a client: bind a socket on a UMEM, put it in or out of a map. */
public final class AfXdpSockets {
    private AfXdpSockets() {
    }

    /**
     * A socket on {@code ifname} queue {@code queue} over {@code umem}, rings of {@code ring}, bound (copy or
     * zero-copy); with a TX ring only if {@code transmit}.
     */
    public static XskSocket bind(String ifname, int queue, Mapping umem, int frameSize, int ring, boolean transmit) {
        return XskSocket.open(Libc.ifindex(ifname), queue, umem, frameSize, 0, ring, ring,
            XskBindMode.AUTO, true, null, transmit);
    }

    /** Puts {@code socket} into slot {@code queue} of {@code xsks}. */
    public static void insert(BpfMap xsks, int queue, XskSocket socket) {
        AfXdpControl.setSocket(xsks, queue, socket.fd());
    }

    /** Empties slot {@code queue} of {@code xsks} (no error if it is empty). */
    public static void remove(BpfMap xsks, int queue) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, queue);
            xsks.delete(k);
        } catch (RuntimeException ignored) {
            // already empty
        }
    }
}
