package io.zcnbrh.app;

import io.zcnbrh.doctor.Check;
import io.zcnbrh.doctor.Doctor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh doctor}: what this machine allows, and what to do about the rest. */
@Command(name = "doctor", description = "Probe AF_XDP, XDP, zero-copy, BPF, io_uring, huge pages, NUMA, memlock, capabilities.")
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--json", description = "one JSON object per check")
    boolean json;

    @Override
    public Integer call() {
        List<Check> checks = Doctor.run();
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(10);
        for (Check c : checks) {
            if (json) {
                System.out.printf(Locale.ROOT, "{\"check\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\",\"advice\":\"%s\"}%n",
                    esc(c.name()), c.status().name().toLowerCase(Locale.ROOT), esc(c.detail()), esc(c.advice()));
            } else {
                System.out.printf(Locale.ROOT, "%-" + width + "s  %-4s  %s%s%n", c.name(), c.status(), c.detail(),
                    c.advice().isEmpty() ? "" : "\n" + " ".repeat(width + 8) + "-> " + c.advice());
            }
        }
        // the exit status says whether the essentials work: BPF and AF_XDP
        return checks.stream().anyMatch(c -> c.status() == Check.Status.NO) ? 1 : 0;
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
