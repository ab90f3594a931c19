package io.zcnbrh.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program the test command installs (run-tests.sh), found on the PATH wherever the distribution put it. Missing,
 * it fails the test with how to install it: a test the test command must run is never skipped in silence.
 */
public final class RequiredTool {
    private RequiredTool() {
    }

    /** The program {@code name} on the PATH; an AssertionError naming the Debian package if it is not there. */
    public static Path find(String name, String debianPackage) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new AssertionError(name + " is not installed, and this test needs it: apt-get install " + debianPackage
            + " (run-tests.sh installs it)");
    }
}
