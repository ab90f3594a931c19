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
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

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
            if (json) { // one object per line; a spec is anyone's text, so Jackson writes it
                Map<String, Object> o = new java.util.LinkedHashMap<>();
                o.put("port", s.spec());
                o.put("owner", s.owner());
                o.put("mode", s.mode());
                o.put("pid", s.pid());
                o.put("alive", s.alive());
                o.put("age_ms", age);
                o.putAll(s.counters());
                o.putAll(s.gauges());
                System.out.println(JSON.writeValueAsString(o));
            } else {
                System.out.printf(Locale.ROOT, "%s (%spid %d%s, updated %d ms ago)%n", s.spec(),
                    s.owner().isEmpty() ? "" : s.owner() + ", ", s.pid(), s.alive() ? "" : ", gone", age);
                if (!s.mode().isEmpty()) {
                    System.out.println("  " + s.mode());
                }
                for (Map<String, Long> m : List.of(s.counters(), s.gauges())) {
                    for (Map.Entry<String, Long> e : m.entrySet()) {
                        if (e.getValue() != 0 || all) {
                            System.out.printf(Locale.ROOT, "  %-24s %,d%n", e.getKey(), e.getValue());
                        }
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
