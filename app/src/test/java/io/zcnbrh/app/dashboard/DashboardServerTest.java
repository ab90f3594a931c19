package io.zcnbrh.app.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zcnbrh.Counter;
import io.zcnbrh.stat.CountersFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's server against what another user can put in front of it: counters files planted in /dev/shm
 * (random bytes, a huge file, a header claiming two billion entries, a truncated one, markup in the spec) and
 * requests that try to change something. It keeps serving, shows only whole files, escapes what it shows, and
 * answers only GET and HEAD.
 */
@Tag("kernel") // writes to /dev/shm, which the fast lane leaves alone
class DashboardServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path plant(String name, byte[] bytes) throws Exception {
        Path p = CountersFile.DIR.resolve(CountersFile.PREFIX + "planted-" + ProcessHandle.current().pid() + "-" + name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void plantedFilesAndWritesChangeNothingAndMarkupStaysText() throws Exception {
        List<Path> planted = new ArrayList<>();
        String hostile = "<img src=x onerror=alert(1)>\"</script>";
        try (CountersFile real = CountersFile.create(hostile, "copy", "test");
             DashboardServer server = DashboardServer.start("127.0.0.1", 0);
             HttpClient http = HttpClient.newHttpClient()) {
            byte[] random = new byte[4096];
            new Random(7).nextBytes(random);
            planted.add(plant("random", random));
            planted.add(plant("huge", new byte[5 << 20]));
            ByteBuffer lying = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
            lying.putLong(0, 0x5453524842_4E435AL).putInt(8, 2).putLong(12, ProcessHandle.current().pid())
                .putInt(28, -5).putInt(276, Integer.MAX_VALUE).putInt(520, Integer.MAX_VALUE).putInt(760, Integer.MAX_VALUE)
                .putInt(764, Integer.MAX_VALUE);
            planted.add(plant("lying", lying.array()));
            planted.add(plant("truncated", java.util.Arrays.copyOf(lying.array(), 100)));
            io.zcnbrh.PortCounters counters = new io.zcnbrh.PortCounters();
            counters.set(Counter.PACKETS_RX, 7);
            real.publish(counters);
            server.board().sample(System.currentTimeMillis());

            String base = server.url();
            HttpResponse<String> ports = http.send(HttpRequest.newBuilder(URI.create(base + "api/ports")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ports.statusCode());
            assertEquals("application/json", ports.headers().firstValue("Content-Type").orElse(""));
            JsonNode mine = null;
            for (JsonNode p : JSON.readTree(ports.body()).get("ports")) {
                assertFalse(p.get("id").asText().contains("planted-" + ProcessHandle.current().pid()),
                    "not a counters file: " + p);
                if (p.get("spec").asText().equals(hostile)) {
                    mine = p;
                }
            }
            assertTrue(mine != null, "the real file is shown, its spec as it was: " + ports.body());
            assertEquals(7, mine.get("counters").get("packets_rx").asLong());
            assertEquals("nosniff", ports.headers().firstValue("X-Content-Type-Options").orElse(""),
                "the JSON, markup in it and all, is never taken for a page (the page shows it as text: "
                + "DashboardBrowserTest)");

            for (String path : new String[] {"", "api/ports", "metrics"}) {
                for (String method : new String[] {"POST", "PUT", "DELETE"}) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).method(method,
                        HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(405, r.statusCode(), method + " /" + path);
                    assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
                }
            }
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "etc/passwd")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<html lang=\"en\">") && !page.body().contains("http://")
                && !page.body().contains("https://"), "one page, nothing fetched from elsewhere");
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("zcnbrh_port_counter_total{counter=\"packets_rx\""), metrics);
            for (Path p : planted) {
                assertTrue(Files.exists(p), "read-only: the dashboard removed nothing (" + p + ")");
            }
        } finally {
            for (Path p : planted) {
                Files.deleteIfExists(p);
            }
        }
    }
}
