package io.zcnbrh.app;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.zcnbrh.zcnbrhd.Zcnbrhd;

import java.io.IOException;

/**
 * zcnbrhd's own Prometheus endpoint ({@code zcnbrh daemon --metrics-port P}): its connections, live tenants and
 * interfaces. The tenants' ports publish their own counters (their counters files for the dashboard, their own
 * {@code --metrics-port}): their rings live in their processes, not here.
 */
final class DaemonMetrics implements AutoCloseable {
    private final HTTPServer server;

    DaemonMetrics(Zcnbrhd daemon, int httpPort) throws IOException {
        PrometheusRegistry r = new PrometheusRegistry();
        GaugeWithCallback.builder().name("zcnbrhd_connections").help("connections open now, served or waiting")
            .callback(cb -> cb.call(daemon.connections())).register(r);
        GaugeWithCallback.builder().name("zcnbrhd_live_tenants").help("tenants whose queue is live now")
            .callback(cb -> cb.call(daemon.liveClients())).register(r);
        GaugeWithCallback.builder().name("zcnbrhd_interfaces").help("interfaces that carry the daemon's program now")
            .callback(cb -> cb.call(daemon.interfaces())).register(r);
        CounterWithCallback.builder().name("zcnbrhd_ended_connections")
            .help("connections that ended (served to their end or turned away) since the daemon started")
            .callback(cb -> cb.call(daemon.endedConnections())).register(r);
        server = HTTPServer.builder().port(httpPort).registry(r).buildAndStart();
    }

    int httpPort() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
