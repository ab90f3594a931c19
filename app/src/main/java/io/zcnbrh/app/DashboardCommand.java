package io.zcnbrh.app;

import io.zcnbrh.app.dashboard.DashboardServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code zcnbrh dashboard}: a live web page over every port running on this machine (the counters files that
 * {@code zcnbrh stat} reads), its data as JSON and Prometheus metrics. Read-only; on localhost unless told otherwise.
 */
@Command(name = "dashboard", description = "Serve a live, accessible web page over every running port "
    + "(http://localhost:8090/ by default), its data as JSON (/api/ports) and Prometheus metrics (/metrics).")
public final class DashboardCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8090", description = "HTTP port (0: any free port)")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
        description = "address to listen on (default loopback only; 0.0.0.0 shows the page to the network)")
    String bind;

    @Option(names = "--seconds", defaultValue = "0", description = "stop after this long (0: until interrupted)")
    double seconds;

    @Override
    public Integer call() throws Exception {
        try (DashboardServer server = DashboardServer.start(bind, port)) {
            System.out.println("dashboard: " + server.url() + " (JSON: " + server.url() + "api/ports, Prometheus: "
                + server.url() + "metrics); read-only; Ctrl-C ends it");
            System.out.flush();
            CountDownLatch forever = new CountDownLatch(1);
            if (seconds > 0) {
                forever.await((long) (seconds * 1000), java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                forever.await();
            }
        }
        return 0;
    }
}
