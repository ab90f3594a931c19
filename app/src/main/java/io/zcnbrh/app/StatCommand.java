package io.zcnbrh.app;

import io.zcnbrh.stat.CountersFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code zcnbrh stat}: the counters of ports running in other processes (rx, capture, tx, fwd). */
@Command(name = "stat", description = "Show the counters of running ports (from their counters files in /dev/shm).")
public final class StatCommand implements Callable<Integer> {
    @Option(names = "--json", description = "one JSON object per port")
    boolean json;

    @Option(names = "--all", description = "also zero counters and files of processes that are gone")
    boolean all;

    @Override
    public Integer call() throws Exception {
        List<CountersFile.Snapshot> snaps = CountersFile.readAll();
        int shown = 0;
        for (CountersFile.Snapshot s : snaps) {
            if (!s.alive() && !all) {
                continue;
            }
            shown++;
            long age = System.currentTimeMillis() - s.updatedMillis();
            if (json) {
                StringBuilder b = new StringBuilder();
                b.append(String.format(Locale.ROOT, "{\"port\":\"%s\",\"pid\":%d,\"alive\":%b,\"age_ms\":%d", s.spec(),
                    s.pid(), s.alive(), age));
                for (Map.Entry<String, Long> e : s.counters().entrySet()) {
                    b.append(",\"").append(e.getKey()).append("\":").append(e.getValue());
                }
                System.out.println(b.append('}'));
            } else {
                System.out.printf(Locale.ROOT, "%s (pid %d%s, updated %d ms ago)%n", s.spec(), s.pid(),
                    s.alive() ? "" : ", gone", age);
                for (Map.Entry<String, Long> e : s.counters().entrySet()) {
                    if (e.getValue() != 0 || all) {
                        System.out.printf(Locale.ROOT, "  %-24s %,d%n", e.getKey(), e.getValue());
                    }
                }
            }
        }
        if (shown == 0 && !json) {
            System.out.println("stat: no running port (rx, capture, tx and fwd publish their counters while they run)");
        }
        return 0;
    }
}
