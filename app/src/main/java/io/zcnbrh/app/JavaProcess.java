package io.zcnbrh.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;

/** Starts another JVM running this tool (same Java, same class path, native access enabled). */
public final class JavaProcess {
    private JavaProcess() {
    }

    /** Starts {@code zcnbrh args...} as a child process with stderr merged into stdout. */
    public static Process start(List<String> args) throws IOException {
        return start(Main.class.getName(), args);
    }

    /** Starts {@code mainClass args...} (a command line of this tool or of its benchmarks) as a child process. */
    public static Process start(String mainClass, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // Agrona (Aeron's peer in bench shm) reads jdk.internal.misc.Unsafe, as the launcher allows
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp",
            System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** A daemon thread that copies the process's output lines into {@code sink}. */
    public static Thread pump(Process process, List<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (sink) {
                        sink.add(line);
                    }
                }
            } catch (IOException e) {
                synchronized (sink) {
                    sink.add("(output lost: " + e.getMessage() + ")");
                }
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
