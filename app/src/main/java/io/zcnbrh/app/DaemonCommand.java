package io.zcnbrh.app;

import io.zcnbrh.daemon.Zcnbrhd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code zcnbrh daemon}: runs zcnbrhd, which hands bound AF_XDP sockets to applications without privileges. */
@Command(name = "daemon", description = "Run zcnbrhd: zero-copy ports for applications without root.")
public final class DaemonCommand implements Callable<Integer> {
    @Option(names = "--socket", defaultValue = "/run/zcnbrh/zcnbrhd.sock", description = "where to listen")
    String socket;

    @Option(names = "--allow", split = ",", description = "grants UID:IFACE@QUEUE (quick use and tests)")
    List<String> allow = List.of();

    @Option(names = "--policy", description = "a file of grants, one UID:IFACE@QUEUE per line (# comments)")
    Path policy;

    @Override
    public Integer call() throws Exception {
        Set<Zcnbrhd.Grant> grants = new HashSet<>();
        for (String g : allow) {
            grants.add(Zcnbrhd.Grant.parse(g.trim()));
        }
        if (policy != null) {
            for (String line : Files.readAllLines(policy)) {
                String l = line.replaceAll("#.*", "").trim();
                if (!l.isEmpty()) {
                    grants.add(Zcnbrhd.Grant.parse(l));
                }
            }
        }
        Files.createDirectories(Path.of(socket).getParent());
        try (Zcnbrhd d = Zcnbrhd.start(socket, grants)) {
            System.out.println("zcnbrhd: listening on " + d.path() + " with " + grants.size() + " grant(s)");
            CountDownLatch forever = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
            forever.await();
        }
        return 0;
    }
}
