package io.zcnbrh.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Chromium, headless, driven over the Chrome DevTools Protocol (its WebSocket, with the JDK's client): open
 * a page, evaluate JavaScript in it, take a screenshot. No driver binary, nothing from the network: Debian's
 * chromium package is all it needs. Each instance has a profile of its own, removed on close.
 */
final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser binary, or null when none is installed. */
    static Path find() {
        for (String p : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** Starts the browser on a blank page and connects to that page. */
    static HeadlessChromium launch(Path binary) throws Exception {
        Path profile = Files.createTempDirectory("zcnbrh-chromium-");
        Process p = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--remote-debugging-port=0", "--remote-allow-origins=*",
            "--window-size=1400,1000", "--user-data-dir=" + profile, "about:blank")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            int port = devToolsPort(p);
            HttpClient http = HttpClient.newHttpClient();
            String pageSocket = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (pageSocket == null && System.nanoTime() < deadline) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if (t.path("type").asText().equals("page")) {
                        pageSocket = t.path("webSocketDebuggerUrl").asText();
                    }
                }
                if (pageSocket == null) {
                    Thread.sleep(50);
                }
            }
            if (pageSocket == null) {
                throw new IllegalStateException("Chromium opened no page to drive");
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            StringBuilder partial = new StringBuilder();
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        self[0].answer(partial.toString());
                        partial.setLength(0);
                    }
                    w.request(1);
                    return null;
                }
            }).get(20, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, profile, ws);
            return self[0];
        } catch (Exception | Error e) {
            p.destroyForcibly();
            deleteTree(profile);
            throw e;
        }
    }

    /** Chromium says on standard error where its DevTools listen: "DevTools listening on ws://127.0.0.1:PORT/...". */
    private static int devToolsPort(Process p) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        StringBuilder said = new StringBuilder();
        Thread.ofPlatform().daemon().start(() -> {
            Pattern listening = Pattern.compile("DevTools listening on ws://[^:]+:(\\d+)/");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    Matcher m = listening.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    } else if (said.length() < 4000) {
                        said.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the browser ended
            }
            port.completeExceptionally(new IllegalStateException("Chromium ended before its DevTools listened: "
                + said));
        });
        return port.get(30, TimeUnit.SECONDS);
    }

    private void answer(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    if (m.has("error")) {
                        f.completeExceptionally(new IllegalStateException("DevTools: " + m.get("error")));
                    } else {
                        f.complete(m.get("result"));
                    }
                }
            }
        } catch (IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    /** Calls a DevTools method and returns its result. */
    JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        pending.put(id, result);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", JSON.valueToTree(params));
        socket.sendText(JSON.writeValueAsString(msg), true).get(20, TimeUnit.SECONDS);
        return result.get(60, TimeUnit.SECONDS);
    }

    /** Opens {@code url} and waits for it to load. */
    void open(String url) throws Exception {
        call("Page.enable", Map.of());
        call("Page.navigate", Map.of("url", url));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"complete".equals(evaluate("document.readyState"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(url + " did not load within 20 s");
            }
            Thread.sleep(50);
        }
    }

    /** Evaluates {@code expression} in the page (a promise is awaited) and returns its value as JSON-ish Java. */
    Object evaluate(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
            "awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("the page threw: " + r.get("exceptionDetails"));
        }
        JsonNode v = r.path("result").path("value");
        return v.isMissingNode() || v.isNull() ? null : v.isTextual() ? v.asText() : v.isNumber() ? v.numberValue()
            : v.isBoolean() ? v.asBoolean() : JSON.writeValueAsString(v);
    }

    /** Presses a key as a keyboard would (key down, key up): {@code "Tab"}, {@code "Enter"}. */
    void press(String key, int keyCode) throws Exception {
        for (String type : new String[] {"rawKeyDown", "keyUp"}) {
            call("Input.dispatchKeyEvent", Map.of("type", type, "key", key, "code", key,
                "windowsVirtualKeyCode", keyCode, "nativeVirtualKeyCode", keyCode));
        }
        if (key.equals("Enter")) { // a key press that activates sends the character too
            call("Input.dispatchKeyEvent", Map.of("type", "char", "text", "\r", "key", key, "code", key));
        }
    }

    /** Writes a PNG of the page (the whole length of it) to {@code file}. */
    void screenshot(Path file) throws Exception {
        JsonNode r = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
    }

    @Override
    public void close() {
        try {
            socket.abort();
        } finally {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind is harmless
        }
    }
}
