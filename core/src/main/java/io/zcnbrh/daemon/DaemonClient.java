package io.zcnbrh.daemon;

import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.backend.afxdp.XskSocket;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.UnixSocket;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code zcnbrhd:IFACE@QUEUE}: asks the daemon for a bound AF_XDP socket and a UMEM of its own, maps them, and
 * returns an ordinary AF_XDP port running the same fast path, without any privilege. The daemon connection stays
 * open as long as the port: when it closes (or the process dies) the daemon takes the socket out of its map.
 */
public final class DaemonClient {
    /** What a port says when its daemon connection ends (the daemon stopped or restarted). */
    public static final String LEASE_LOST = DaemonLease.LOST;
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.daemon");

    private DaemonClient() {
    }

    /** Opens {@code IFACE@QUEUE} through the daemon at {@code config.daemon().socketPath()}. */
    public static AfXdpPort open(String target, PortConfig config) {
        int at = target.lastIndexOf('@');
        if (at <= 0) {
            throw new IllegalArgumentException("zcnbrhd spec needs IFACE@QUEUE, got '" + target + "'");
        }
        String ifname = target.substring(0, at);
        int queue;
        try {
            queue = Integer.parseInt(target.substring(at + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("zcnbrhd spec '" + target + "': the queue after @ must be a number");
        }
        UnixSocket conn;
        try {
            conn = UnixSocket.connect(config.daemon().socketPath());
        } catch (RuntimeException e) {
            throw new ZcnbrhException("zcnbrhd:" + target + " needs the zcnbrhd daemon: " + e.getMessage());
        }
        try {
            int ring = config.ringSize();
            int frames = Math.max(config.frameCount(), 2 * ring);
            conn.send(Protocol.format(Map.of("ifname", ifname, "queue", String.valueOf(queue), "ring",
                String.valueOf(ring), "frames", String.valueOf(frames), "frame_size", String.valueOf(config.frameSize()),
                "filter", config.filter() != null ? config.filter().expression() : ""))
                .getBytes(StandardCharsets.UTF_8));
            UnixSocket.Message reply = conn.receive(4096);
            if (reply == null) {
                throw new ZcnbrhException("zcnbrhd closed the connection without an answer (did it restart?)");
            }
            Map<String, String> r = Protocol.parse(new String(reply.data(), StandardCharsets.UTF_8));
            if (!"ok".equals(r.get("status"))) {
                UnixSocket.closeDescriptors(reply);
                throw new ZcnbrhException("zcnbrhd refused " + target + ": " + r.getOrDefault("reason", "no reason"));
            }
            if (reply.fds().length != 2) {
                UnixSocket.closeDescriptors(reply);
                throw new ZcnbrhException("zcnbrhd answered ok for " + target + " with " + reply.fds().length
                    + " descriptors instead of 2 (the socket and the UMEM): not a zcnbrhd of this version?");
            }
            XskSocket sock = XskSocket.adopt(reply.fds()[0], Libc.ifindex(ifname), queue, ring, ring,
                Boolean.parseBoolean(r.get("wakeup")), Boolean.parseBoolean(r.getOrDefault("tx", "true")));
            Mapping umem = Mapping.ofDescriptor(reply.fds()[1], Long.parseLong(r.get("umem_bytes")), "zcnbrhd UMEM");
            AfXdpPort port = AfXdpPort.adopt(ifname, sock, umem, config);
            DaemonLease lease = new DaemonLease(conn, port);
            port.holdUntilClose(lease);
            conn.send("ready".getBytes(StandardCharsets.US_ASCII)); // the fill ring is full: go live
            lease.start();
            if (!r.getOrDefault("filter", "").isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "zcnbrhd:{0}: frames pass the filter ''{1}'' in the kernel first",
                    target, r.get("filter"));
            }
            return port;
        } catch (RuntimeException e) {
            conn.close();
            throw e;
        }
    }
}
