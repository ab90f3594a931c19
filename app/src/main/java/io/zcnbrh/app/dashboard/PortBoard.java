package io.zcnbrh.app.dashboard;

import io.zcnbrh.stat.CountersFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the dashboard knows: every port's counters file, read once a second ({@link #sample}), turned into rates
 * over the last interval, a few minutes of history, and a state a person can act on. Read-only: it never writes or
 * removes a file. The rules, each shown in words:
 * <ul>
 *   <li><b>alert</b>: ring-full events above {@link #RING_FULL_ALERT_PER_SECOND} a second (the seed's alert on
 *       {@code ring_full_count}: a sender found its ring full or no free frame; with the receive side's two faces
 *       of the same thing, which AF_XDP counts instead: {@code xdp_rx_ring_full}, the kernel found the receive
 *       ring full, and {@code xdp_fill_ring_empty}, the kernel found no frame to receive into because they all sit
 *       in the receive ring or with the application; with as many frames on the fill ring as the receive ring
 *       holds, as here, a stalled receiver shows as the second) - the application does not keep up or holds its
 *       frames;</li>
 *   <li><b>fault</b>: invalid descriptors in the last minute (a peer or ring wrote outside its frames); no update for
 *       {@link #STALLED_MILLIS} ms from a live process (its poll loop stopped); a file whose process is gone (it
 *       ended without closing the port: shown for {@link #GONE_SHOWN_MILLIS} ms, then dropped);</li>
 *   <li>a port whose file goes away (its command ended and closed it) disappears at the next sample.</li>
 * </ul>
 * One thread samples; readers take the immutable {@link #ports()} list.
 */
public final class PortBoard {
    /** The seed's alert threshold: ring-full events per second. */
    public static final double RING_FULL_ALERT_PER_SECOND = 100;
    /** A live port not updated for this long is stalled (files are written every 100 ms while it polls). */
    public static final long STALLED_MILLIS = 5_000;
    /** How long a port whose process died is shown as a fault before it is dropped. */
    public static final long GONE_SHOWN_MILLIS = 30_000;
    /** Samples of history kept per port: five minutes at one a second. */
    public static final int HISTORY = 300;
    private static final long FAULT_WINDOW_MILLIS = 60_000;

    private final Supplier<List<CountersFile.Snapshot>> source;
    private final Map<Path, Tracked> tracked = new LinkedHashMap<>();
    private volatile List<PortView> ports = List.of();
    private volatile List<String> events = List.of();
    private final List<String> eventLog = new ArrayList<>();

    /** A board over the files {@code source} lists ({@code CountersFile::readAll} in production). */
    public PortBoard(Supplier<List<CountersFile.Snapshot>> source) {
        this.source = source;
    }

    /** The ports as of the last sample, in the order their files were found. */
    public List<PortView> ports() {
        return ports;
    }

    /** The last state changes in words, newest last (at most 50): "12:00:01 afxdp:eth1@0 (rx): alert: ...". */
    public List<String> events() {
        return events;
    }

    /** One port's history and what the last sample saw. */
    private static final class Tracked {
        CountersFile.Snapshot last;
        final double[] rxPps = new double[HISTORY];
        final double[] txPps = new double[HISTORY];
        final double[] ringFull = new double[HISTORY];
        int samples;
        long lastInvalidAtMillis = -1;
        long goneSinceMillis = -1;
        PortView.State state = PortView.State.OK;
        Map<String, Double> rates = Map.of();
    }

    /** Reads every file now and updates rates, history and states; {@code nowMillis} is the wall clock. */
    public synchronized void sample(long nowMillis) {
        List<CountersFile.Snapshot> found = source.get();
        Map<Path, CountersFile.Snapshot> byFile = new LinkedHashMap<>();
        for (CountersFile.Snapshot s : found) {
            byFile.put(s.file(), s);
        }
        for (Path gone : new ArrayList<>(tracked.keySet())) {
            if (!byFile.containsKey(gone)) {
                Tracked t = tracked.remove(gone);
                log(nowMillis, t.last, "ended (its counters file was removed)");
            }
        }
        List<PortView> views = new ArrayList<>();
        for (CountersFile.Snapshot s : byFile.values()) {
            Tracked t = tracked.get(s.file());
            boolean fresh = t == null;
            if (fresh) {
                t = new Tracked();
                tracked.put(s.file(), t);
            }
            update(t, s, nowMillis);
            if (!s.alive() && nowMillis - t.goneSinceMillis > GONE_SHOWN_MILLIS) {
                tracked.remove(s.file());
                log(nowMillis, s, "dropped (its process " + s.pid() + " is gone)");
                continue;
            }
            PortView.State before = fresh ? null : t.state;
            String reason = judge(t, s, nowMillis);
            if (fresh) {
                log(nowMillis, s, "appeared, " + t.state.word() + (reason.isEmpty() ? "" : ": " + reason));
            } else if (before != t.state) {
                log(nowMillis, s, before.word() + " -> " + t.state.word() + (reason.isEmpty() ? "" : ": " + reason));
            }
            views.add(view(t, s, reason, nowMillis));
        }
        ports = List.copyOf(views);
        events = List.copyOf(eventLog);
    }

    private static void update(Tracked t, CountersFile.Snapshot s, long nowMillis) {
        CountersFile.Snapshot prev = t.last;
        Map<String, Double> rates = new LinkedHashMap<>();
        // no rate from a file not yet published (update time 0): its counters did not move in the time since 1970
        double seconds = prev == null || prev.updatedMillis() <= 0 ? 0
            : (s.updatedMillis() - prev.updatedMillis()) / 1000.0;
        for (Map.Entry<String, Long> e : s.counters().entrySet()) {
            Long before = prev == null ? null : prev.counters().get(e.getKey());
            // no update since the last sample (seconds 0): nothing moved that anyone saw
            rates.put(e.getKey(), before == null || seconds <= 0 ? 0.0 : Math.max(0, e.getValue() - before) / seconds);
        }
        t.rates = rates;
        long invalid = s.counters().getOrDefault("invalid_descriptors", 0L);
        if (prev != null && invalid > prev.counters().getOrDefault("invalid_descriptors", 0L)) {
            t.lastInvalidAtMillis = nowMillis;
        }
        if (!s.alive() && t.goneSinceMillis < 0) {
            t.goneSinceMillis = nowMillis;
        }
        int i = t.samples % HISTORY;
        t.rxPps[i] = rates.getOrDefault("packets_rx", 0.0);
        t.txPps[i] = rates.getOrDefault("packets_tx", 0.0);
        t.ringFull[i] = ringFullPerSecond(rates);
        t.samples++;
        t.last = s;
    }

    /**
     * Ring-full events a second: a sender's full ring or missing frame, the kernel's full receive ring, and the
     * kernel's empty fill ring (see the class comment).
     */
    static double ringFullPerSecond(Map<String, Double> rates) {
        return rates.getOrDefault("ring_full_count", 0.0) + rates.getOrDefault("xdp_rx_ring_full", 0.0)
            + rates.getOrDefault("xdp_fill_ring_empty", 0.0);
    }

    /** Sets the tracked state; returns the reason in words ("" when all is well). */
    private static String judge(Tracked t, CountersFile.Snapshot s, long nowMillis) {
        long age = nowMillis - s.updatedMillis();
        String reason;
        if (!s.alive()) {
            t.state = PortView.State.FAULT;
            reason = "process " + s.pid() + " is gone: it ended without closing the port";
        } else if (t.lastInvalidAtMillis >= 0 && nowMillis - t.lastInvalidAtMillis < FAULT_WINDOW_MILLIS) {
            t.state = PortView.State.FAULT;
            reason = s.counters().getOrDefault("invalid_descriptors", 0L) + " invalid descriptors: a peer or ring "
                + "wrote outside its frames (see the audit log)";
        } else if (s.updatedMillis() > 0 && age > STALLED_MILLIS) {
            t.state = PortView.State.FAULT;
            reason = "no update for " + age / 1000 + " s: the poll loop has stopped";
        } else if (ringFullPerSecond(t.rates) > RING_FULL_ALERT_PER_SECOND) {
            t.state = PortView.State.ALERT;
            reason = String.format(java.util.Locale.ROOT, "ring full %.0f times a second (over %.0f): the application "
                + "does not keep up or holds its frames", ringFullPerSecond(t.rates), RING_FULL_ALERT_PER_SECOND);
        } else {
            t.state = PortView.State.OK;
            reason = "";
        }
        return reason;
    }

    private static PortView view(Tracked t, CountersFile.Snapshot s, String reason, long nowMillis) {
        int n = Math.min(t.samples, HISTORY);
        double[][] history = new double[3][n];
        for (int k = 0; k < n; k++) {
            int i = (t.samples - n + k) % HISTORY;
            history[0][k] = t.rxPps[i];
            history[1][k] = t.txPps[i];
            history[2][k] = t.ringFull[i];
        }
        return new PortView(s.file().getFileName().toString(), s.spec(), s.mode(), s.owner(), s.pid(), t.state,
            reason, nowMillis - s.updatedMillis(), Map.copyOf(t.rates), s.counters(), s.gauges(),
            ringFullPerSecond(t.rates), history[0], history[1], history[2]);
    }

    private void log(long nowMillis, CountersFile.Snapshot s, String what) {
        String at = java.time.LocalTime.ofInstant(java.time.Instant.ofEpochMilli(nowMillis),
            java.time.ZoneId.systemDefault()).withNano(0).toString();
        eventLog.add(at + " " + s.spec() + (s.owner().isEmpty() ? "" : " (" + s.owner() + ")") + ": " + what);
        while (eventLog.size() > 50) {
            eventLog.removeFirst();
        }
    }
}
