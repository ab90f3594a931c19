package io.zcnbrh.app;

import io.zcnbrh.daemon.Zcnbrhd;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An application JVM with no privilege at all (setpriv: uid 65534, no capabilities) receives through zcnbrhd. */
class DaemonTest {
    /** The class path, copied where an unprivileged user can read it (~/.m2 of root is not). */
    private static String readableClassPath(Path dir) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve("cp" + i++ + (Files.isDirectory(src) ? "" : ".jar"));
            if (Files.isDirectory(src)) {
                try (var walk = Files.walk(src)) {
                    for (Path p : walk.toList()) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else {
                Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
            }
            out.add(dst.toString());
        }
        new ProcessBuilder("chmod", "-R", "a+rX", dir.toString()).start().waitFor();
        return String.join(":", out);
    }

    private static Process unprivileged(String cp, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void anUnprivilegedApplicationReceivesThroughTheDaemonAndNotWithout() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "zcnbrhd-test");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String cp = readableClassPath(dir);
        String sock = dir.resolve("zcnbrhd.sock").toString();
        try (VethPair veth = new VethPair().withUdpPath();
             Zcnbrhd daemon = Zcnbrhd.start(sock, Set.of(new Zcnbrhd.Grant(65534, veth.outer, 0)))) {
            Process app = unprivileged(cp, "rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock, "--seconds", "4",
                "--warmup", "0", "--json");
            long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (daemon.liveClients() < 1 && System.nanoTime() < up) { // the JVM started and its port went live
                Thread.sleep(20);
            }
            long sent = UdpFlow.send(veth.netns, VethPair.OUTER_IP, 9000, 1000, 64, TimeUnit.SECONDS.toNanos(5));
            String out = new String(app.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(app.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, app.exitValue(), out);
            Matcher m = Pattern.compile("\"backend\":\"afxdp\".*\"packets\":(\\d+)").matcher(out);
            assertTrue(m.find(), out);
            assertTrue(Long.parseLong(m.group(1)) >= sent / 2, "the unprivileged JVM received: " + out);

            // not granted: queue 1 is refused with the reason, nothing handed over
            Process refused = unprivileged(cp, "rx", "zcnbrhd:" + veth.outer + "@1", "--daemon-socket", sock,
                "--seconds", "1", "--json");
            String r = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(refused.waitFor(30, TimeUnit.SECONDS));
            assertEquals(1, refused.exitValue(), r);
            assertTrue(r.contains("zcnbrhd refused") && r.contains("no grant"), r);
        }
        // without the daemon: the same application fails with a message that names it
        Process none = unprivileged(cp, "rx", "zcnbrhd:lo@0", "--daemon-socket", sock, "--seconds", "1");
        String n = new String(none.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(none.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, none.exitValue(), n);
        assertTrue(n.contains("needs the zcnbrhd daemon") && n.contains("no zcnbrhd listens there"), n);
        // and AF_XDP directly, without the daemon, is refused for lack of privilege
        Process direct = unprivileged(cp, "rx", "afxdp:lo@0", "--seconds", "1");
        String d = new String(direct.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(direct.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, direct.exitValue(), d);
        assertTrue(d.contains("EPERM") || d.contains("zcnbrhd"), d);
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }

    private static long packets(String out) {
        Matcher m = Pattern.compile("\"packets\":(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @Test
    void afterKillMinus9TheQueueIsFreeAgainAndTwoTenantsSeeOnlyTheirOwnQueues() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "zcnbrhd-test");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String cp = readableClassPath(dir);
        String sock = dir.resolve("zcnbrhd.sock").toString();
        try (VethPair veth = new VethPair(2).withUdpPath();
             Zcnbrhd daemon = Zcnbrhd.start(sock, Set.of(new Zcnbrhd.Grant(65534, veth.outer, 0),
                 new Zcnbrhd.Grant(65534, veth.outer, 1)))) {
            // an application killed mid-stream: the daemon notices the closed connection and frees the queue
            Process victim = unprivileged(cp, "rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                "--seconds", "60", "--json");
            long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (daemon.liveClients() < 1 && System.nanoTime() < up) {
                Thread.sleep(20);
            }
            assertEquals(1, daemon.liveClients(), "the victim is live");
            UdpFlow.send(veth.netns, VethPair.OUTER_IP, 9000, 500, 64, TimeUnit.SECONDS.toNanos(5), 16);
            victim.destroyForcibly(); // SIGKILL
            assertTrue(victim.waitFor(10, TimeUnit.SECONDS));
            long freed = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (daemon.liveClients() > 0 && System.nanoTime() < freed) {
                Thread.sleep(10);
            }
            assertEquals(0, daemon.liveClients(), "the daemon noticed the killed application and freed its queue");
            // two tenants, one queue each, each with its own UMEM: queue 0 is bindable again (else EBUSY)
            Process a = unprivileged(cp, "rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                "--seconds", "6", "--warmup", "0", "--json");
            Process b = unprivileged(cp, "rx", "zcnbrhd:" + veth.outer + "@1", "--daemon-socket", sock,
                "--seconds", "6", "--warmup", "0", "--json");
            long ready = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (daemon.liveClients() < 2 && System.nanoTime() < ready) { // both JVMs started and went live
                Thread.sleep(20);
            }
            if (daemon.liveClients() < 2) {
                a.destroyForcibly();
                b.destroyForcibly();
                throw new AssertionError("both tenants should be live, " + daemon.liveClients() + " are:\nA: "
                    + new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8) + "\nB: "
                    + new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            long sent = UdpFlow.send(veth.netns, VethPair.OUTER_IP, 9000, 2000, 64, TimeUnit.SECONDS.toNanos(5), 16);
            String outA = new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String outB = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(a.waitFor(30, TimeUnit.SECONDS) && b.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, a.exitValue(), outA);
            assertEquals(0, b.exitValue(), outB);
            long pa = packets(outA);
            long pb = packets(outB);
            assertTrue(pa > 0 && pb > 0, "both tenants received on their own queue: " + pa + " / " + pb);
            assertTrue(pa + pb <= sent + 20, "no frame seen twice (each has its own UMEM): " + pa + " + " + pb
                + " of " + sent);
        } finally {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
        }
    }
}
