package io.zcnbrh.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JVMs of this tool run with no privilege at all (setpriv: uid 65534, no groups, no capabilities), from a copy of
 * the test class path an unprivileged user can read (~/.m2 of root is not), in a temporary directory that
 * {@link #close()} removes.
 */
final class Unprivileged implements AutoCloseable {
    static final int UID = 65534;
    final Path dir;
    private final String classPath;

    Unprivileged() throws IOException, InterruptedException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "zcnbrhd-test");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> out = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = dir.resolve("cp" + i++ + (Files.isDirectory(src) ? "" : ".jar"));
            copy(src, dst);
            out.add(dst.toString());
        }
        classPath = String.join(":", out);
        chmodReadable(dir);
    }

    static void copy(Path src, Path dst) throws IOException {
        if (!Files.isDirectory(src)) {
            Files.createDirectories(dst.getParent());
            Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            return;
        }
        try (var walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    static void chmodReadable(Path dir) throws IOException, InterruptedException {
        new ProcessBuilder("chmod", "-R", "a+rX", dir.toString()).start().waitFor();
    }

    /** The setpriv prefix that drops every privilege. */
    static List<String> setpriv() {
        return List.of("setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all");
    }

    /** {@code zcnbrh args...} as uid 65534, stderr merged into stdout. */
    Process zcnbrh(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(setpriv());
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", classPath, Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The test class {@code main} with {@code args} as uid 65534, stderr merged into stdout. */
    Process java(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(setpriv());
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-cp", classPath, main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Waits for {@code p} (at most 30 s) and returns everything it printed. */
    static String finish(Process p) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after its output ended: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }
}
