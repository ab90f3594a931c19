package io.zcnbrh.sys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Who holds an open file, as procfs shows it (proc(5): {@code /proc/PID/fd/N} is a link to {@code socket:[INODE]},
 * {@code memfd:NAME}, a path). What a process cannot see (other PID namespaces, other users' processes without
 * CAP_SYS_PTRACE) is not listed.
 */
public final class OpenFiles {
    private OpenFiles() {
    }

    /** What descriptor {@code fd} of this process refers to ({@code socket:[INODE]} for a socket). */
    public static String target(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading /proc/self/fd/" + fd, e);
        }
    }

    /** How many descriptors of this process refer to something whose name contains {@code tag}. */
    public static int countOwn(String tag) {
        return count(Path.of("/proc/self/fd"), t -> t.contains(tag));
    }

    /** The processes (pids) with a descriptor that refers exactly to {@code target}. */
    public static List<Long> holders(String target) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    if (count(proc.resolve("fd"), target::equals) > 0) {
                        pids.add(Long.parseLong(proc.getFileName().toString()));
                    }
                } catch (java.io.UncheckedIOException | SecurityException gone) {
                    // the process ended, or is not ours to look at
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("listing /proc", e);
        }
        return pids;
    }

    /** The descriptors in {@code fdDir} whose link target passes {@code test}. */
    private static int count(Path fdDir, Predicate<String> test) {
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                try {
                    if (test.test(Files.readSymbolicLink(fd).toString())) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed while we looked
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("listing " + fdDir, e);
        }
        return n;
    }
}
