package io.zcnbrh;

import java.util.Objects;

/**
 * What only a {@code zcnbrhd:} port uses.
 *
 * @param socketPath where the daemon listens (default /run/zcnbrh/zcnbrhd.sock)
 */
public record DaemonOptions(String socketPath) {
    /** The daemon's default socket. */
    public static final String DEFAULT_SOCKET = "/run/zcnbrh/zcnbrhd.sock";

    /** Rejects a null path. */
    public DaemonOptions {
        Objects.requireNonNull(socketPath, "socketPath");
    }

    /** The default socket. */
    public static DaemonOptions defaults() {
        return new DaemonOptions(DEFAULT_SOCKET);
    }

    /** The daemon at {@code socketPath}. */
    public static DaemonOptions at(String socketPath) {
        return new DaemonOptions(socketPath);
    }
}
