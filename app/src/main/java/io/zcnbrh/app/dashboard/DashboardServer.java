package io.zcnbrh.app.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.zcnbrh.stat.CountersFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The dashboard's HTTP server (the JDK's own, on a loopback address unless told otherwise): the page at {@code /},
 * the ports as JSON at {@code /api/ports} (what the page polls once a second; scripts may use it too, see
 * docs/DASHBOARD.md), and every port's counters in Prometheus' text format at {@code /metrics}. Everything it serves
 * comes from this jar: nothing is fetched from elsewhere. Read-only: GET and HEAD only, nothing changes anywhere.
 */
public final class DashboardServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    private final PortBoard board;
    private final HttpServer http;
    private final ScheduledExecutorService sampler;

    private DashboardServer(PortBoard board, HttpServer http, ScheduledExecutorService sampler) {
        this.board = board;
        this.http = http;
        this.sampler = sampler;
    }

    /** Starts sampling the counters files once a second and serving on {@code bind}:{@code port} (0: any free). */
    public static DashboardServer start(String bind, int port) throws IOException {
        return start(bind, port, new PortBoard(() -> {
            try {
                return CountersFile.readAll();
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + CountersFile.DIR + ": " + e.getMessage(), e);
            }
        }));
    }

    static DashboardServer start(String bind, int port, PortBoard board) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 16);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zcnbrh-dashboard-sampler");
            t.setDaemon(true);
            return t;
        });
        DashboardServer server = new DashboardServer(board, http, sampler);
        board.sample(System.currentTimeMillis());
        sampler.scheduleAtFixedRate(() -> {
            try {
                board.sample(System.currentTimeMillis());
            } catch (RuntimeException e) {
                System.err.println("dashboard: sampling failed: " + e.getMessage()); // the next second tries again
            }
        }, 1, 1, TimeUnit.SECONDS);
        http.createContext("/", server::page);
        http.createContext("/api/ports", server::ports);
        MetricsHandler metrics = new MetricsHandler(server.registry());
        http.createContext("/metrics", ex -> {
            if (server.readOnly(ex)) {
                metrics.handle(ex);
            }
        });
        http.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "zcnbrh-dashboard-http");
            t.setDaemon(true);
            return t;
        }));
        http.start();
        return server;
    }

    /** The address served, with the port actually bound. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The board the server shows. */
    public PortBoard board() {
        return board;
    }

    private boolean readOnly(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if (m.equals("GET") || m.equals("HEAD")) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", "the dashboard is read-only: GET or HEAD\n"
            .getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private void page(HttpExchange ex) throws IOException {
        if (!readOnly(ex)) {
            return;
        }
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/") && !path.equals("/index.html")) {
            send(ex, 404, "text/plain; charset=utf-8", ("no " + path + " here: the dashboard is at /, its data at "
                + "/api/ports and /metrics\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = DashboardServer.class.getResourceAsStream("index.html")) {
            if (in == null) {
                throw new IOException("the page is missing from the jar (io/zcnbrh/app/dashboard/index.html)");
            }
            send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
        }
    }

    private void ports(HttpExchange ex) throws IOException {
        if (!readOnly(ex)) {
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("generated_ms", System.currentTimeMillis());
        body.put("interval_s", 1);
        body.put("ring_full_alert_per_s", PortBoard.RING_FULL_ALERT_PER_SECOND);
        body.put("ports", board.ports());
        body.put("events", board.events());
        send(ex, 200, "application/json", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff"); // the JSON is never taken for a page
        // the page loads nothing from elsewhere and runs no script but its own
        ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "script-src 'self' 'unsafe-inline'; img-src 'self' data:");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    /** Every port's counters and gauges, labelled by port, as the per-command endpoints name them. */
    private PrometheusRegistry registry() {
        PrometheusRegistry r = new PrometheusRegistry();
        CounterWithCallback.builder().name("zcnbrh_port_counter").help("a port's counter, by name (the counters file)")
            .labelNames("port", "owner", "pid", "counter").callback(cb -> {
                for (PortView p : board.ports()) {
                    p.counters().forEach((k, v) -> cb.call(v, p.spec(), p.owner(), Long.toString(p.pid()), k));
                }
            }).register(r);
        GaugeWithCallback.builder().name("zcnbrh_port_frames").help("a port's frames by place (fill, rx, tx, app...)")
            .labelNames("port", "owner", "pid", "place").callback(cb -> {
                for (PortView p : board.ports()) {
                    p.gauges().forEach((k, v) -> cb.call(v, p.spec(), p.owner(), Long.toString(p.pid()),
                        k.replaceFirst("^frames_", "")));
                }
            }).register(r);
        GaugeWithCallback.builder().name("zcnbrh_port_state").help("0 ok, 1 alert, 2 fault (the dashboard's rules)")
            .labelNames("port", "owner", "pid").callback(cb -> {
                for (PortView p : board.ports()) {
                    cb.call(p.state().ordinal(), p.spec(), p.owner(), Long.toString(p.pid()));
                }
            }).register(r);
        return r;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        http.stop(0);
    }

    /** For the command's first line: where to look. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }
}
