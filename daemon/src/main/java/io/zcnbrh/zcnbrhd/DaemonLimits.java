package io.zcnbrh.zcnbrhd;

import java.time.Duration;

/**
 * What zcnbrhd allows any one local user, granted or not, so that none can stop it from serving the others.
 *
 * @param connections      connections open at once, in total
 * @param connectionsPerUid connections open at once from one uid (SO_PEERCRED)
 * @param requestTimeout   how long a client may take to send its request, and to say it is ready
 * @param acceptFailure    how long accept(2) may keep failing (descriptors or memory exhausted) before the daemon
 *                         gives up and ends, so that its supervisor starts a fresh one
 */
public record DaemonLimits(int connections, int connectionsPerUid, Duration requestTimeout, Duration acceptFailure) {
    public DaemonLimits {
        if (connections < 1 || connectionsPerUid < 1 || connectionsPerUid > connections) {
            throw new IllegalArgumentException("limits need 1 <= connections per uid <= connections, not "
                + connectionsPerUid + " and " + connections);
        }
    }

    /** 256 connections, 16 per uid, 5 s to ask, 30 s of failing accepts. */
    public static DaemonLimits defaults() {
        return new DaemonLimits(256, 16, Duration.ofSeconds(5), Duration.ofSeconds(30));
    }
}
