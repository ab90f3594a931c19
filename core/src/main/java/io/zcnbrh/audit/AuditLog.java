package io.zcnbrh.audit;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One audit log line for every kind of fault, on the {@code io.zcnbrh.audit} logger, plus a JFR
 * {@link FaultEvent} per occurrence. A storm of the same fault (a hostile peer writing bad descriptors) logs the
 * first one at once and then at most one line a second with the count since, so the log cannot be flooded.
 */
public final class AuditLog {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.audit");
    private static final ConcurrentHashMap<String, long[]> LAST = new ConcurrentHashMap<>();
    private static final jdk.jfr.EventType BACKPRESSURE = jdk.jfr.EventType.getEventType(BackpressureEvent.class);

    private AuditLog() {
    }

    /** Records fault {@code kind} at {@code where} (a port spec, a program name, an interface), as a warning. */
    public static void fault(String where, String kind, String detail) {
        record(System.Logger.Level.WARNING, where, kind, detail);
    }

    /** Records an expected but audited change (an XDP program detached on close), at INFO. */
    public static void change(String where, String kind, String detail) {
        record(System.Logger.Level.INFO, where, kind, detail);
    }

    private static void record(System.Logger.Level level, String where, String kind, String detail) {
        FaultEvent e = new FaultEvent();
        if (e.shouldCommit()) {
            e.where = where;
            e.kind = kind;
            e.detail = detail;
            e.commit();
        }
        long now = System.nanoTime();
        long[] state = LAST.computeIfAbsent(where + "|" + kind, k -> new long[] {now - 2_000_000_000L, 0});
        synchronized (state) {
            state[1]++;
            if (now - state[0] >= 1_000_000_000L) {
                LOG.log(level, "audit: {0} at {1}: {2}{3}", kind, where, detail,
                    state[1] > 1 ? " (" + state[1] + " times since the last line)" : "");
                state[0] = now;
                state[1] = 0;
            }
        }
    }

    /** Records backpressure on {@code port} (JFR only: it is normal under load, the counters show it). */
    public static void backpressure(String port, String counter) {
        // asked first: backpressure is a data-path event (a full ring under load, many times a second), and a
        // disabled event object was still allocated each time (2.7 B per packet sent at full rate, measured)
        if (!BACKPRESSURE.isEnabled()) {
            return;
        }
        BackpressureEvent e = new BackpressureEvent();
        if (e.shouldCommit()) {
            e.port = port;
            e.counter = counter;
            e.commit();
        }
    }
}
