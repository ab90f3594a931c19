package io.zcnbrh.app;

import picocli.CommandLine.Option;

/** {@code --metrics-port}: the Prometheus endpoint every long-running command offers (a picocli mixin). */
final class MetricsOption {
    @Option(names = "--metrics-port", defaultValue = "-1",
        description = "serve Prometheus metrics on http://localhost:PORT/metrics while running (0: any free port)")
    int port;

    boolean enabled() {
        return port >= 0;
    }
}
