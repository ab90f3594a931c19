package io.zcnbrh.daemon;

import io.zcnbrh.backend.BasePort;
import io.zcnbrh.sys.UnixSocket;

/**
 * The client's end of a zcnbrhd connection, held as long as its port. A watcher thread waits on the connection:
 * if it ends while the port is open (the daemon stopped, restarted or was killed), the port is revoked, so the
 * application's next poll fails with a clear reason instead of waiting forever for frames that cannot come.
 * Closing the lease ends the connection, which tells the daemon to take the queue back.
 */
final class DaemonLease implements AutoCloseable {
    static final String LOST = "the zcnbrhd connection ended (the daemon stopped or restarted), so this queue is no "
        + "longer served; close the port and open it again once zcnbrhd runs";

    private final UnixSocket conn;
    private final Thread watcher;
    private volatile boolean ending;

    DaemonLease(UnixSocket conn, BasePort port) {
        this.conn = conn;
        // a platform thread: it blocks in recvmsg, a native call that would pin a virtual thread's carrier
        this.watcher = Thread.ofPlatform().name("zcnbrhd-lease").daemon().unstarted(() -> watch(port));
    }

    void start() {
        watcher.start();
    }

    private void watch(BasePort port) {
        try {
            while (conn.receive(64) != null) {
                // the daemon sends nothing after the hand-over; end of stream is the news
            }
        } catch (RuntimeException e) {
            // an error on the connection means the same as its end
        }
        if (!ending) {
            port.revoke(LOST);
            System.getLogger("io.zcnbrh.daemon").log(System.Logger.Level.WARNING, "{0}: {1}", port.spec(), LOST);
        }
        conn.close();
    }

    @Override
    public void close() {
        ending = true;
        conn.shutdown(); // the watcher wakes with end of stream and closes the socket; the daemon sees it end
        try {
            watcher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        conn.close();
    }
}
