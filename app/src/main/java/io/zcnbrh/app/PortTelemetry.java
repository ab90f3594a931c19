package io.zcnbrh.app;

import io.zcnbrh.Counter;
import io.zcnbrh.Port;
import io.zcnbrh.PortCounters;
import io.zcnbrh.stat.CountersFile;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The one status line long-running commands refresh once a second on standard error: packet rate, drops, ring-full
 * events and the CPU the calling (polling) thread used. Called from the poll loop itself, so it reads the port's
 * counters on the port's own thread.
 */
final class StatusLine {
    private CountersFile stat;
    private boolean statTried;
    private final PrintStream out;
    private final boolean enabled;
    private final boolean terminal = System.console() != null;
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private long lastNanos = System.nanoTime();
    private long lastCpu = threads.getCurrentThreadCpuTime();
    private long lastPackets;
    private long lastTx;

    StatusLine(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    /** Prints the line if a second has passed since the last one; publishes the counters for {@code zcnbrh stat}. */
    void tick(Port port) {
        publishStat(port);
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastNanos < 1_000_000_000L) {
            return;
        }
        PortCounters c = port.counters();
        long cpu = threads.getCurrentThreadCpuTime();
        double seconds = (now - lastNanos) / 1e9;
        long rx = c.get(Counter.PACKETS_RX);
        long tx = c.get(Counter.PACKETS_TX);
        long drops = c.get(Counter.DROPS) + c.get(Counter.XDP_RX_DROPPED) + c.get(Counter.XDP_RX_RING_FULL)
            + c.get(Counter.KERNEL_DROPS) + c.get(Counter.OVERSIZED);
        out.printf(Locale.ROOT, "%s%s: rx %.3f Mpps, tx %.3f Mpps, drops %d, ring full %d, CPU %.0f%%%s",
            terminal ? "\r" : "", port.spec(), (rx - lastPackets) / seconds / 1e6, (tx - lastTx) / seconds / 1e6, drops,
            c.get(Counter.RING_FULL), 100.0 * (cpu - lastCpu) / (now - lastNanos), terminal ? "   " : "\n");
        out.flush();
        lastNanos = now;
        lastCpu = cpu;
        lastPackets = rx;
        lastTx = tx;
    }

    private void publishStat(Port port) {
        if (!statTried) {
            statTried = true;
            try {
                stat = CountersFile.create(port.spec());
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("zcnbrh: no counters file for zcnbrh stat (" + e.getMessage() + ")");
            }
        }
        if (stat != null) {
            stat.publish(port.counters());
        }
    }

    /** Ends the line on a terminal and removes the counters file. */
    void finish() {
        if (stat != null) {
            try {
                stat.close();
            } catch (java.io.IOException ignored) {
                // a leftover file names a dead pid: zcnbrh stat shows it as such
            }
        }
        if (enabled && terminal) {
            out.println();
        }
    }
}
