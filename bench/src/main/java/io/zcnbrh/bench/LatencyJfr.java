package io.zcnbrh.bench;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A JFR recording over {@code bench latency} (its "profile" settings, every JIT compilation and safepoint kept),
 * and what of it fell into each client's measured window: the events that can take a core from a spinning client
 * or stop it (compilations, GC pauses, safepoints), so a tail in the table can be matched to its cause.
 */
final class LatencyJfr implements AutoCloseable {
    private final Recording recording;
    private final Path file;

    LatencyJfr(Path file) throws IOException, ParseException {
        this.file = file;
        this.recording = new Recording(Configuration.getConfiguration("profile"));
        recording.enable("jdk.Compilation").withThreshold(Duration.ZERO);
        recording.enable("jdk.SafepointBegin").withThreshold(Duration.ZERO);
        recording.enable("jdk.GarbageCollection").withThreshold(Duration.ZERO);
        recording.start();
    }

    /** Stops the recording, writes it, and prints one line per client of what happened while it measured. */
    void report(List<LatencyBenchmark.Result> results, boolean json) throws IOException {
        recording.stop();
        recording.dump(file);
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        for (LatencyBenchmark.Result r : results) {
            int compilations = 0;
            int gcs = 0;
            int safepoints = 0;
            double compileMs = 0;
            double gcMs = 0;
            double longestCompileMs = 0;
            for (RecordedEvent e : events) {
                if (e.getEndTime().isBefore(r.from()) || e.getStartTime().isAfter(r.to())) {
                    continue;
                }
                double ms = e.getDuration().toNanos() / 1e6;
                switch (e.getEventType().getName()) {
                    case "jdk.Compilation" -> {
                        compilations++;
                        compileMs += ms;
                        longestCompileMs = Math.max(longestCompileMs, ms);
                    }
                    case "jdk.GarbageCollection" -> {
                        gcs++;
                        gcMs += ms;
                    }
                    case "jdk.SafepointBegin" -> safepoints++;
                    default -> { }
                }
            }
            if (json) {
                System.out.printf(Locale.ROOT, "{\"jfr_client\":\"%s\",\"compilations\":%d,\"compile_ms\":%.1f,"
                    + "\"longest_compile_ms\":%.1f,\"gc_pauses\":%d,\"gc_ms\":%.1f,\"safepoints\":%d}%n", r.client(),
                    compilations, compileMs, longestCompileMs, gcs, gcMs, safepoints);
            } else {
                System.out.printf(Locale.ROOT, "jfr %-26s %4d JIT compilations (%.1f ms, longest %.1f ms), %d GC "
                    + "(%.1f ms), %d safepoints while measuring%n", r.client(), compilations, compileMs,
                    longestCompileMs, gcs, gcMs, safepoints);
            }
        }
        if (!json) {
            System.out.println("jfr recording: " + file + " (jfr print --events jdk.Compilation " + file + ")");
        }
    }

    @Override
    public void close() {
        recording.close();
    }
}
