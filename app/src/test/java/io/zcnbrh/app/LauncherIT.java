package io.zcnbrh.app;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.zcnbrhd.Grant;
import io.zcnbrh.zcnbrhd.Policy;
import io.zcnbrh.zcnbrhd.Zcnbrhd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged {@code ./zcnbrh} launcher run by a user with no privilege (uid 65534, no capabilities) against a
 * built copy of the checkout it cannot write to: it receives through zcnbrhd, runs no Maven, and writes nothing
 * there, even when the sources look newer than the build.
 */
@Tag("kernel")
class LauncherIT {
    @Test
    void anUnprivilegedUserRunsTheBuiltLauncherThroughTheDaemonWithoutWritingOrBuilding() throws Exception {
        Path checkout = Path.of("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(checkout.resolve("app/target/zcnbrh-app.jar")), "run after package");
        try (Unprivileged user = new Unprivileged()) {
            Path copy = user.dir.resolve("checkout");
            for (String part : List.of("zcnbrh", "scripts", "pom.xml", "core/pom.xml", "core/src/main", "app/pom.xml",
                "app/src/main", "app/target/zcnbrh-app.jar", "app/target/lib")) {
                Unprivileged.copy(checkout.resolve(part), copy.resolve(part));
            }
            Unprivileged.chmodReadable(copy);
            Path touched = copy.resolve("app/src/main/java/io/zcnbrh/app/Main.java"); // newer than the build
            Files.setLastModifiedTime(touched, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            List<String> before = listing(copy);
            String sock = user.dir.resolve("zcnbrhd.sock").toString();
            try (VethPair veth = new VethPair().withUdpPath();
                 Zcnbrhd daemon = Zcnbrhd.start(sock, Policy.of(new Grant(Unprivileged.UID, veth.outer, 0)))) {
                List<String> cmd = new ArrayList<>(Unprivileged.setpriv());
                cmd.addAll(List.of(copy.resolve("zcnbrh").toString(), "rx", "zcnbrhd:" + veth.outer + "@0",
                    "--daemon-socket", sock, "--seconds", "4", "--warmup", "0", "--json", "--filter", "udp dst port 9000"));
                Process app = new ProcessBuilder(cmd).redirectErrorStream(true).directory(user.dir.toFile()).start();
                long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (daemon.liveClients() == 0 && app.isAlive() && System.nanoTime() < up) {
                    Thread.sleep(10);
                }
                long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 500, 64, TimeUnit.SECONDS.toNanos(1));
                String out = Unprivileged.finish(app);
                assertEquals(0, app.exitValue(), out);
                Matcher m = Pattern.compile("\"backend\":\"afxdp\".*\"packets\":(\\d+).*\"drops\":(\\d+)")
                    .matcher(out);
                assertTrue(m.find(), out);
                assertEquals(sent, Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)),
                    "every datagram received or counted: " + out);
                assertTrue(out.contains("cannot redo here; running the build there is"), "the stale build announced: "
                    + out);
                assertFalse(out.contains("building"), "no Maven run: " + out);
            }
            assertEquals(before, listing(copy), "nothing written in the checkout");
        }
    }

    /** Every path under {@code root} with its size and modification time. */
    private static List<String> listing(Path root) throws Exception {
        try (var walk = Files.walk(root)) {
            List<String> out = new ArrayList<>();
            for (Path p : walk.sorted().toList()) {
                out.add(root.relativize(p) + " " + (Files.isDirectory(p) ? "dir" : Files.size(p)) + " "
                    + Files.getLastModifiedTime(p));
            }
            return out;
        }
    }
}
