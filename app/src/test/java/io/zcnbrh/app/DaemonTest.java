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
            Thread.sleep(2000); // the JVM starts and the port is open
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
}
