package io.zcnbrh.backend;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ZcnbrhException;
import io.zcnbrh.backend.afpacket.AfPacketPort;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.backend.iouring.IoUringPort;
import io.zcnbrh.backend.socket.SocketPort;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code auto:IFACE}: the best backend that works here, tried in order (AF_XDP, AF_XDP through zcnbrhd for an application
 * without the privilege, io_uring, AF_PACKET, a raw socket),
 * each by really opening it. The choice and why each better one was not taken (the error it gave: missing kernel
 * feature, missing privilege, interface type) are announced in one line, never silently.
 */
public final class AutoPort {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.auto");

    /** What auto chose, and the reasons the better backends were not taken. */
    public record Choice(Port port, String announcement) {
    }

    private AutoPort() {
    }

    /** Opens the best backend for {@code ifname}; throws with every reason when none works. */
    public static Choice open(String ifname, PortConfig config) {
        if (ifname.isEmpty() || ifname.contains(":")) {
            throw new IllegalArgumentException("auto spec needs an interface: auto:IFACE, got '" + ifname + "'");
        }
        List<String> notTaken = new ArrayList<>();
        List<String> names = List.of("afxdp:" + ifname, "zcnbrhd:" + ifname + "@0", "iouring:raw:" + ifname,
            "afpacket:" + ifname, "socket:raw:" + ifname);
        // without the privilege for AF_XDP, the same fast path through the daemon is the next best (M14)
        List<Supplier<Port>> openers = List.of(
            () -> AfXdpPort.open(ifname, config),
            () -> io.zcnbrh.daemon.DaemonClient.open(ifname + "@0", config),
            () -> IoUringPort.open("raw:" + ifname, config),
            () -> AfPacketPort.open(ifname, config),
            () -> SocketPort.open("raw:" + ifname, config));
        // one AF_XDP port serves one queue: on an interface with several, it (and the daemon's queue 0) would see a
        // part of the traffic, so auto takes a backend that sees all of it, and says so
        int queues = queueCount(ifname);
        int first = 0;
        if (queues > 1) {
            notTaken.add("afxdp:" + ifname + " and zcnbrhd:" + ifname + "@0: " + ifname + " has " + queues
                + " receive queues and one AF_XDP port serves one (open afxdp:" + ifname + "@Q for each, or all of "
                + "them on one UMEM with AfXdpQueues)");
            first = 2;
        }
        for (int i = first; i < names.size(); i++) {
            try {
                Port port = openers.get(i).get();
                String line = "auto: " + names.get(i) + (notTaken.isEmpty() ? " (the best path)"
                    : "; not taken: " + String.join("; ", notTaken));
                LOG.log(System.Logger.Level.INFO, line);
                return new Choice(port, line);
            } catch (RuntimeException e) {
                notTaken.add(names.get(i) + ": " + e.getMessage());
            }
        }
        throw new ZcnbrhException("auto:" + ifname + ": no backend works here: " + String.join("; ", notTaken));
    }

    /** The interface's receive queues (1 when it cannot be read: the openers then say what is wrong). */
    private static int queueCount(String ifname) {
        try {
            return io.zcnbrh.backend.afxdp.AfXdpQueues.rxQueues(ifname);
        } catch (RuntimeException e) {
            return 1;
        }
    }
}
