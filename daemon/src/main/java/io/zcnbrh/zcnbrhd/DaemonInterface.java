package io.zcnbrh.zcnbrhd;

import io.zcnbrh.backend.afxdp.AfXdpSockets;
import io.zcnbrh.backend.afxdp.XskSocket;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.QueueDispatchProgram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What zcnbrhd keeps on one interface while it has clients: a {@link QueueDispatchProgram} attached through a BPF
 * link (so it detaches by itself if the daemon dies), a PROG_ARRAY with each live queue's program, and the XSKMAP
 * those programs redirect into. Queue slots are claimed by one client at a time.
 */
final class DaemonInterface implements AutoCloseable {
    /** Queues 0 to 63 can be handed out. */
    static final int MAX_QUEUES = 64;

    private final BpfMap programs;
    private final BpfMap xsks;
    private final BpfProgram dispatch;
    private final XdpAttachment attachment;
    private final Map<Integer, String> holders = new HashMap<>();
    int users;

    private DaemonInterface(BpfMap programs, BpfMap xsks, BpfProgram dispatch, XdpAttachment attachment) {
        this.programs = programs;
        this.xsks = xsks;
        this.dispatch = dispatch;
        this.attachment = attachment;
    }

    static DaemonInterface attach(String ifname) {
        BpfMap programs = BpfMap.create(MapType.PROG_ARRAY, 4, 4, MAX_QUEUES, "zcnbrhd_queues");
        BpfMap xsks = null;
        BpfProgram dispatch = null;
        try {
            xsks = BpfMap.create(MapType.XSKMAP, 4, 4, MAX_QUEUES, "zcnbrhd_xsks");
            dispatch = QueueDispatchProgram.load(programs);
            return new DaemonInterface(programs, xsks, dispatch, XdpAttachment.attach(dispatch, ifname, XdpMode.DRIVER));
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {dispatch, xsks, programs}) {
                closeQuietly(c);
            }
            throw e;
        }
    }

    BpfMap xsks() {
        return xsks;
    }

    /** Claims {@code queue} for {@code who}; returns who has it already, or null when the claim succeeded. */
    synchronized String claim(int queue, String who) {
        return holders.putIfAbsent(queue, who);
    }

    synchronized void unclaim(int queue) {
        holders.remove(queue);
    }

    /** The socket into the XSKMAP, then the queue's program into its slot: from now on its frames flow. */
    void goLive(int queue, XskSocket socket, BpfProgram program) {
        AfXdpSockets.insert(xsks, queue, socket);
        programs.update(queue, program.fd());
    }

    /** The queue's program out of its slot first (frames go to the kernel stack again), then the socket. */
    void goDark(int queue) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, queue);
            programs.delete(k);
        } catch (RuntimeException ignored) {
            // the slot is empty already
        }
        AfXdpSockets.remove(xsks, queue);
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {attachment, dispatch, xsks, programs}) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.getLogger("io.zcnbrh.daemon").log(System.Logger.Level.DEBUG, "close: {0}", e.getMessage());
        }
    }
}
