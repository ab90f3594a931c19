package io.zcnbrh.backend;

import io.zcnbrh.Backend;
import io.zcnbrh.Backends;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.error.ZcnbrhException;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code auto:IFACE}: the best backend that works here, tried in the order the backends rank themselves
 * ({@link Backend#autoRank}: AF_XDP, AF_XDP through zcnbrhd for an application without the privilege, io_uring,
 * AF_PACKET, a raw socket), each by really opening it. The choice and why each better one was not taken (the error it gave: missing kernel
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
        // one AF_XDP port serves one queue: on an interface with several, it (and the daemon's queue 0) would see a
        // part of the traffic, so auto takes a backend that sees all of it, and says so
        int queues = queueCount(ifname);
        List<String> skipped = new ArrayList<>();
        for (Backend b : Backends.inAutoOrder()) {
            String spec = b.scheme() + ":" + b.autoTarget(ifname);
            if (queues > 1 && b.servesOneQueue()) {
                skipped.add(spec);
                continue;
            }
            if (!skipped.isEmpty()) {
                notTaken.add(String.join(" and ", skipped) + ": " + ifname + " has " + queues + " receive queues and "
                    + "one AF_XDP port serves one (open afxdp:" + ifname + "@Q for each, or all of them on one UMEM "
                    + "with AfXdpQueues)");
                skipped.clear();
            }
            try {
                Port port = b.open(b.autoTarget(ifname), config);
                String line = "auto: " + spec + (notTaken.isEmpty() ? " (the best path)"
                    : "; not taken: " + String.join("; ", notTaken));
                LOG.log(System.Logger.Level.INFO, line);
                return new Choice(port, line);
            } catch (RuntimeException e) {
                notTaken.add(spec + ": " + e.getMessage());
            }
        }
        throw new ZcnbrhException("auto:" + ifname + ": no backend works here: " + String.join("; ", notTaken));
    }

    /** The interface's receive queues (1 when it cannot be read: the openers then say what is wrong). */
    private static int queueCount(String ifname) {
        try {
            return InterfaceQueues.rxQueues(ifname);
        } catch (RuntimeException e) {
            return 1;
        }
    }
}
