package io.zcnbrh.app;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Prometheus endpoint scraped over loopback during traffic: counters move and agree with the port's own. */
@Tag("kernel")
class MetricsTest {
    private static double scrape(HttpClient http, int port, String metric) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{[^}]*} ([0-9.eE+-]+|NaN)$").matcher(body);
        assertTrue(m.find(), metric + " in:\n" + body);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void countersMoveDuringTrafficAndAgreeWithThePort() throws Exception {
        int httpPort;
        try (ServerSocket s = new ServerSocket(0)) {
            httpPort = s.getLocalPort();
        }
        try (VethPair veth = new VethPair().withUdpPath(); HttpClient http = HttpClient.newHttpClient()) {
            CompletableFuture<CliRun> rx = CompletableFuture.supplyAsync(() -> CliRun.of("rx", "afxdp:" + veth.outer
                + "@0", "--seconds", "4", "--warmup", "0", "--json", "--metrics-port", String.valueOf(httpPort),
                "--filter", "udp dst port 9000"));
            OpenPorts.await(veth.outer);
            double before = scrape(http, httpPort, "zcnbrh_packets_processed_total");
            long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 3000, 64, TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(500);
            double after = scrape(http, httpPort, "zcnbrh_packets_processed_total");
            // the docs name only metrics the endpoint serves: the Grafana dashboard and the alert rules
            String body = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String doc : new String[] {"../docs/grafana-dashboard.json", "../docs/prometheus-alerts.yml"}) {
                String text = java.nio.file.Files.readString(java.nio.file.Path.of(doc));
                Matcher names = Pattern.compile("\\bzcnbrh_[a-z_]+").matcher(text);
                int found = 0;
                while (names.find()) {
                    found++;
                    assertTrue(Pattern.compile("(?m)^" + names.group() + "[{ ]").matcher(body).find(),
                        doc + " names " + names.group() + ", which the endpoint does not serve");
                }
                assertTrue(found >= 2, doc + " names the metrics it draws");
            }
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.nio.file.Path.of(
                "../docs/grafana-dashboard.json").toFile()).get("panels").forEach(panel -> assertTrue(
                panel.get("targets").size() > 0, "every Grafana panel queries something: " + panel.get("title")));
            double drops = scrape(http, httpPort, "zcnbrh_drops_total");
            assertTrue(scrape(http, httpPort, "zcnbrh_fill_ring_depth") > 0, "frames wait on the fill ring");
            double cycles = scrape(http, httpPort, "zcnbrh_cpu_cycles_per_packet");
            try (io.zcnbrh.perf.CycleCounter probe = io.zcnbrh.perf.CycleCounter.open()) {
                // a number where the machine counts cycles, NaN (not a made-up 0) where it cannot
                assertTrue(probe == null ? Double.isNaN(cycles) : cycles > 0, cycles + " cycles/packet; probe: "
                    + (probe == null ? io.zcnbrh.perf.CycleCounter.unavailableReason() : "counts"));
            }
            CliRun r = rx.get(20, TimeUnit.SECONDS);
            assertEquals(0, r.exitCode(), r.out() + r.err());
            Matcher m = Pattern.compile("\"packets\":(\\d+)").matcher(r.out());
            assertTrue(m.find(), r.out());
            long packets = Long.parseLong(m.group(1));
            assertEquals(0, before, "nothing before the traffic (the filter keeps other frames out)");
            assertTrue(after > before, "the counter moved");
            assertEquals(packets, (long) after, "the scrape after the traffic agrees with the port's own count");
            assertTrue(after + drops >= sent, after + " + " + drops + " of " + sent);
        }
    }
}
