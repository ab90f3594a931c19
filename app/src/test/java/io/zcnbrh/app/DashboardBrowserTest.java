package io.zcnbrh.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zcnbrh.app.dashboard.DashboardServer;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real browser (Debian's chromium, headless, driven over the DevTools protocol) while {@code rx}
 * runs on a veth pair with traffic from the pair's namespace: the page finds the port by its spec and its packet
 * count rises between two reads; a slow application ({@code rx --pause-us}) fills its receive ring and the page
 * says ALERT in words, in the row and in the log of state changes; when rx ends, its row goes. axe-core (npm's
 * axe-core, run in the page) finds no WCAG 2.1 A/AA violation; screenshots are written to
 * target/dashboard-*.png. The test command installs chromium and axe-core; elsewhere the test is skipped, loudly.
 */
@Tag("kernel")
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path axeScript() {
        String given = System.getenv("ZCNBRH_AXE");
        for (Path p : new Path[] {given == null ? null : Path.of(given),
            Path.of("../.cache/npm/node_modules/axe-core/axe.min.js"), Path.of(".cache/npm/node_modules/axe-core/axe.min.js")}) {
            if (p != null && Files.isReadable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Skips with the reason, or fails when the test command asked for the browser (ZCNBRH_REQUIRE_BROWSER=1). */
    private static void need(boolean present, String what) {
        String reason = "SKIPPED LOUDLY: " + what + " (the test command installs it: apt-get install chromium; npm "
            + "install axe-core; see run-tests.sh)";
        if (!present && "1".equals(System.getenv("ZCNBRH_REQUIRE_BROWSER"))) {
            throw new AssertionError(reason.replace("SKIPPED LOUDLY: ", "missing: "));
        }
        if (!present) {
            System.err.println(reason);
        }
        Assumptions.assumeTrue(present, reason);
    }

    /** Waits until {@code js} (an expression) gives a value {@code ok} accepts; returns it. */
    private static Object until(HeadlessChromium page, String js, Predicate<Object> ok, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Object v = null;
        while (System.nanoTime() < deadline) {
            v = page.evaluate(js);
            if (ok.test(v)) {
                return v;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " within 30 s; last seen: " + v);
    }

    /** UDP to port 9000 from the pair's namespace, as fast as a socket sends, until closed. */
    private static AutoCloseable sendUntilClosed(VethPair veth, int perCall) {
        AtomicBoolean on = new AtomicBoolean(true);
        Thread t = Thread.ofPlatform().start(() -> {
            while (on.get()) {
                UdpFlow.send(veth.netns, veth.outerIp, 9000, perCall, 64, TimeUnit.SECONDS.toNanos(5));
            }
        });
        return () -> {
            on.set(false);
            t.join();
        };
    }

    private static String row(String spec) {
        return "document.querySelector('#ports tbody tr[data-spec=\"" + spec + "\"]')";
    }

    private static long packets(HeadlessChromium page, String spec) throws Exception {
        Object text = page.evaluate("(" + row(spec) + "?.querySelector('[data-field=packets_rx]')?.textContent) ?? ''");
        return Long.parseLong(String.valueOf(text).replace(",", ""));
    }

    @Test
    void aLivePortItsAlertAndItsEndShowInARealBrowserWithNoAccessibilityViolation() throws Exception {
        Path chromium = HeadlessChromium.find();
        need(chromium != null, "no chromium on this machine");
        Path axe = axeScript();
        need(axe != null, "no axe-core (set ZCNBRH_AXE to axe.min.js)");
        Path artifacts = Path.of("target");
        try (VethPair veth = new VethPair().withUdpPath();
             DashboardServer dashboard = DashboardServer.start("127.0.0.1", 0);
             HeadlessChromium page = HeadlessChromium.launch(chromium)) {
            String spec = "afxdp:" + veth.outer + "@0";
            page.open(dashboard.url());
            assertEquals("en", page.evaluate("document.documentElement.lang"));

            // an rx with traffic: the row appears and its packet count rises between two reads
            CompletableFuture<CliRun> rx = CompletableFuture.supplyAsync(() -> CliRun.of("rx", spec, "--seconds", "6",
                "--warmup", "0", "--quiet", "--filter", "udp dst port 9000"));
            OpenPorts.await(veth.outer);
            try (AutoCloseable sender = sendUntilClosed(veth, 2_000)) {
                until(page, row(spec) + " !== null", Boolean.TRUE::equals, "the port's row (" + spec + ")");
                until(page, "(" + row(spec) + ".querySelector('[data-field=packets_rx]').textContent)",
                    v -> !"0".equals(v), "packets counted");
                long first = packets(page, spec);
                Thread.sleep(2000);
                long second = packets(page, spec);
                assertTrue(second > first, "the count rose between two reads: " + first + " then " + second);
                assertEquals("OK", page.evaluate(row(spec) + ".dataset.state"));
                assertTrue(String.valueOf(page.evaluate(row(spec) + ".querySelector('[data-field=mode]').textContent"))
                    .contains("copy"), "the mode is shown");

                // a port whose spec is markup (anyone may publish a counters file): shown as text, never run
                String hostile = "<img src=x onerror=\"window.pwned=1\">";
                try (io.zcnbrh.stat.CountersFile planted = io.zcnbrh.stat.CountersFile.create(hostile, "<b>m</b>",
                    "<i>o</i>")) {
                    planted.publish(new io.zcnbrh.PortCounters());
                    until(page, "[...document.querySelectorAll('#ports tbody th')].some(th => th.textContent === "
                        + JSON.writeValueAsString(hostile) + ")", Boolean.TRUE::equals, "the markup spec as text");
                    assertEquals(Boolean.TRUE, page.evaluate("window.pwned === undefined && "
                        + "document.querySelector('#ports img') === null"), "no markup of a port's ran or rendered");
                }

                // accessibility of the page with a port on it, by axe-core in the page
                page.evaluate(Files.readString(axe));
                String result = (String) page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: "
                    + "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => JSON.stringify({violations: "
                    + "r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => "
                    + "n.target.join(' '))})), passes: r.passes.length}))");
                JsonNode axeResult = JSON.readTree(result);
                assertEquals(0, axeResult.get("violations").size(), "axe-core found: " + axeResult.get("violations"));
                assertTrue(axeResult.get("passes").asInt() > 10, "axe-core ran its rules: " + result);
                page.screenshot(artifacts.resolve("dashboard-running.png"));

                // by keyboard alone: Tab reaches the pause button, the table and the log; Enter pauses the updates
                java.util.List<String> reached = new java.util.ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    page.press("Tab", 9);
                    reached.add(String.valueOf(page.evaluate("document.activeElement.id || "
                        + "document.activeElement.getAttribute('role') || document.activeElement.tagName")));
                }
                assertTrue(reached.containsAll(java.util.List.of("pause", "region", "events")), "Tab reached " + reached);
                page.evaluate("document.getElementById('pause').focus()");
                page.press("Enter", 13);
                assertEquals("true", page.evaluate("document.getElementById('pause').getAttribute('aria-pressed')"),
                    "Enter on the focused button paused the updates");
                page.press("Enter", 13);
                assertEquals("false", page.evaluate("document.getElementById('pause').getAttribute('aria-pressed')"));
            }
            CliRun done = rx.get(60, TimeUnit.SECONDS);
            assertEquals(0, done.exitCode(), done.out() + done.err());
            until(page, row(spec) + " === null", Boolean.TRUE::equals, "the row gone after rx ended");
            assertTrue(String.valueOf(page.evaluate("document.getElementById('events').textContent"))
                .contains(spec), "the end is in the log of state changes");

            // a slow application: its receive ring fills, and the page says so in words
            CompletableFuture<CliRun> slow = CompletableFuture.supplyAsync(() -> CliRun.of("rx", spec, "--seconds",
                "8", "--warmup", "0", "--quiet", "--pause-us", "20000", "--filter", "udp dst port 9000"));
            OpenPorts.await(veth.outer);
            try (AutoCloseable flood = sendUntilClosed(veth, 20_000)) {
                try {
                    until(page, row(spec) + "?.dataset.state ?? ''", "ALERT"::equals, "the alert state");
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; the dashboard's data: " + page.evaluate(
                        "fetch('/api/ports').then(r => r.text())"), e);
                }
                String state = String.valueOf(page.evaluate(row(spec) + ".querySelector('[data-field=state]')"
                    + ".textContent"));
                assertTrue(state.contains("ALERT") && state.contains("ring full"), "in words: " + state);
                until(page, "document.getElementById('events').textContent", v -> String.valueOf(v)
                    .contains("ok -> alert") || String.valueOf(v).contains("appeared, alert"), "the change logged");
                page.screenshot(artifacts.resolve("dashboard-alert.png"));
            }
            CliRun slowDone = slow.get(60, TimeUnit.SECONDS);
            assertEquals(0, slowDone.exitCode(), slowDone.out() + slowDone.err());
            until(page, row(spec) + " === null", Boolean.TRUE::equals, "the slow port's row gone after it ended");
        }
    }
}
