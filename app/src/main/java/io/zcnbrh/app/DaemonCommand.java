package io.zcnbrh.app;

import io.zcnbrh.zcnbrhd.DaemonLimits;
import io.zcnbrh.zcnbrhd.Grant;
import io.zcnbrh.zcnbrhd.Policy;
import io.zcnbrh.zcnbrhd.Zcnbrhd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code zcnbrh daemon}: runs zcnbrhd, which hands bound AF_XDP sockets to applications without privileges. */
@Command(name = "daemon", description = "Run zcnbrhd: zero-copy ports for applications without root.")
public final class DaemonCommand implements Callable<Integer> {
    @Option(names = "--socket", defaultValue = "/run/zcnbrh/zcnbrhd.sock", description = "where to listen")
    String socket;

    @Option(names = "--allow", description = "a grant 'PRINCIPAL:IFACE@QUEUE [tx] [frames=N] [filter=EXPR]' (repeat the "
        + "option for more; quick use and tests)")
    List<String> allow = List.of();

    @Option(names = "--policy", description = "a file of grants, one per line: PRINCIPAL:IFACE@QUEUE [tx] "
        + "[frames=N] [filter=EXPR] (receive only unless tx is written); PRINCIPAL is a uid, a user name, or g:GROUP; QUEUE may be *; # starts a comment")
    Path policy;

    @picocli.CommandLine.Mixin
    MetricsOption metrics = new MetricsOption();

    @Option(names = "--max-connections", defaultValue = "256", description = "connections served at once, in total")
    int maxConnections;

    @Option(names = "--max-connections-per-uid", defaultValue = "16", description = "connections one uid may have open")
    int maxPerUid;

    @Override
    public Integer call() throws Exception {
        List<Grant> grants = new ArrayList<>();
        for (String g : allow) {
            grants.add(Grant.parse(g));
        }
        Policy all = Policy.of(grants);
        if (policy != null) {
            all = all.and(Policy.read(policy));
        }
        if (all.grants().isEmpty()) {
            System.err.println("zcnbrhd: no grants: every client would be refused; give --allow or --policy");
            return 2;
        }
        Files.createDirectories(Path.of(socket).toAbsolutePath().getParent());
        DaemonLimits defaults = DaemonLimits.defaults();
        DaemonLimits limits = new DaemonLimits(maxConnections, maxPerUid, defaults.requestTimeout(),
            defaults.acceptFailure());
        // a daemon that can no longer accept ends with a reason and status 70 (EX_SOFTWARE): its supervisor restarts it
        Zcnbrhd d = Zcnbrhd.start(socket, all, limits, why -> Thread.ofPlatform().start(() -> {
            System.err.println("zcnbrhd: cannot serve any more: " + why + "; exiting");
            System.exit(70);
        }));
        DaemonMetrics endpoint = metrics.enabled() ? new DaemonMetrics(d, metrics.port) : null;
        if (endpoint != null) {
            System.out.println("zcnbrhd: metrics on http://localhost:" + endpoint.httpPort() + "/metrics");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM/SIGINT: clients are told (their ports fail with a reason), programs and UMEMs freed, then exit
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (endpoint != null) {
                    endpoint.close();
                }
                d.close();
            } catch (Exception e) {
                System.err.println("zcnbrhd: stopping: " + e.getMessage());
            }
            System.out.println("zcnbrhd: stopped");
            stopped.countDown();
        }));
        System.out.println("zcnbrhd: listening on " + d.path() + " with " + all.grants().size() + " grant(s):");
        for (Grant g : all.grants()) {
            System.out.println("  " + g);
        }
        System.out.flush();
        stopped.await();
        return 0;
    }
}
