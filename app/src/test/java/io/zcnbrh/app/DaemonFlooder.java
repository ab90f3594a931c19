package io.zcnbrh.app;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.UnixSocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A hostile local user against zcnbrhd (run by {@link DaemonFloodTest} as uid 65534, which has no grant):
 * connections for {@code SECONDS}, each carrying 8 memfds named {@code zcnbrh-flood}, up to {@code HELD} of them
 * kept open at once. Prints "flooding" after its first 100 connections, then how many it made.
 */
public final class DaemonFlooder {
    private DaemonFlooder() {
    }

    public static void main(String[] args) {
        String path = args[0];
        long end = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
        int held = Integer.parseInt(args[2]);
        Mapping[] memfds = new Mapping[8];
        int[] fds = new int[8];
        for (int i = 0; i < 8; i++) {
            memfds[i] = Mapping.memfd("zcnbrh-flood", 4096, PageSize.BASE, -1);
            fds[i] = memfds[i].fd();
        }
        Deque<UnixSocket> open = new ArrayDeque<>();
        int made = 0;
        int failed = 0;
        for (int i = 0; System.nanoTime() < end; i++) {
            if (i == 100) {
                System.out.println("flooding");
                System.out.flush();
            }
            try {
                UnixSocket c = UnixSocket.connect(path);
                made++;
                // every other one says something; all carry descriptors
                c.send((i % 2 == 0 ? "ifname=eth0\tqueue=0" : "").getBytes(StandardCharsets.UTF_8), fds);
                open.addLast(c);
                if (open.size() > held) {
                    open.removeFirst().close();
                }
            } catch (RuntimeException e) {
                failed++;
            }
        }
        open.forEach(UnixSocket::close);
        System.out.println("flooder: made " + made + " connections, " + failed + " failed");
    }
}
