package io.zcnbrh.app.dashboard;

import java.util.Locale;
import java.util.Map;

/**
 * One port as the dashboard shows it and {@code /api/ports} serves it: who runs it, its state and why, rates over
 * the last interval (per second, by counter name), the counters and gauges as the port last published them, and
 * the history of its receive, transmit and ring-full rates (one value a second, oldest first).
 */
public record PortView(String id, String spec, String mode, String owner, long pid, State state, String reason,
                       long ageMillis, Map<String, Double> rates, Map<String, Long> counters,
                       Map<String, Long> gauges, double ringFullPerSecond, double[] historyRxPps,
                       double[] historyTxPps, double[] historyRingFullPerSecond) {

    /** How a port is doing, in a word a person reads (never by colour alone). */
    public enum State {
        OK, ALERT, FAULT;

        /** The word shown: "ok", "alert", "fault". */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
