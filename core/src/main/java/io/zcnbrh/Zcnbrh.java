package io.zcnbrh;

import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.backend.shm.ShmPort;

/**
 * The entry point: {@code Zcnbrh.open("shm:feed", config)}. The spec's scheme picks the backend.
 */
public final class Zcnbrh {
    /** Backends this build can open, by scheme. */
    public static final String AVAILABLE_BACKENDS = "shm, afxdp, afpacket, socket, iouring, auto, zcnbrhd";

    private Zcnbrh() {
    }

    /** Opens a port with the default configuration. */
    public static Port open(String spec) {
        return open(spec, PortConfig.defaults());
    }

    /** Opens the port named by {@code spec} ({@code scheme:rest}); throws a clear error for an unknown scheme. */
    public static Port open(String spec, PortConfig config) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("port spec '" + spec + "' has no scheme; write SCHEME:TARGET, e.g. "
                + "shm:feed (available backends: " + AVAILABLE_BACKENDS + ")");
        }
        String scheme = spec.substring(0, colon);
        String target = spec.substring(colon + 1);
        return switch (scheme) {
            case "shm" -> ShmPort.open(target, config);
            case "afxdp" -> AfXdpPort.open(target, config);
            case "afpacket" -> io.zcnbrh.backend.afpacket.AfPacketPort.open(target, config);
            case "socket" -> io.zcnbrh.backend.socket.SocketPort.open(target, config);
            case "iouring" -> io.zcnbrh.backend.iouring.IoUringPort.open(target, config);
            case "auto" -> io.zcnbrh.backend.AutoPort.open(target, config).port();
            case "zcnbrhd" -> io.zcnbrh.daemon.DaemonClient.open(target, config);
            default -> throw new IllegalArgumentException("unknown backend '" + scheme + "' in spec '" + spec
                + "'; this build has: " + AVAILABLE_BACKENDS);
        };
    }
}
