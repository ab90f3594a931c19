package io.zcnbrh.app;

import io.zcnbrh.Counter;
import io.zcnbrh.Port;
import io.zcnbrh.PortCounters;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.stat.CountersFile;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * What a long-running command (rx, capture, tx, fwd) tells the world about its port, all from its poll loop (so the
 * port's counters are read on the port's own thread): the status line on standard error once a second; the counters
 * file that {@code zcnbrh stat} and {@code zcnbrh dashboard} read, with the port's mode, the command's name and the
 * frames by place, every 100 ms; and, with {@code --metrics-port}, the Prometheus endpoint.
 */
final class PortTelemetry implements AutoCloseable {
    private final String owner;
    private final PrintStream out;
    private final boolean statusLine;
    private final PortMetrics metrics;
    private final boolean terminal = System.console() != null;
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private CountersFile stat;
    private boolean statTried;
    private long lastNanos = System.nanoTime();
    private long lastCpu = threads.getCurrentThreadCpuTime();
    private long lastPackets;
    private long lastTx;

    /**
     * Telemetry for a port of command {@code owner}; a status line on {@code out} when {@code statusLine}; the
     * Prometheus endpoint when {@code metrics} names an HTTP port (its address goes to standard error).
     */
    PortTelemetry(String owner, PrintStream out, boolean statusLine, MetricsOption metrics)
        throws java.io.IOException {
        this.owner = owner;
        this.out = out;
        this.statusLine = statusLine;
        this.metrics = metrics != null && metrics.enabled() ? new PortMetrics(metrics.port) : null;
        if (this.metrics != null) {
            System.err.println(owner + ": metrics on http://localhost:" + this.metrics.httpPort() + "/metrics");
        }
    }

    /** Publishes (every 100 ms) and prints the status line (every second); call after every poll. */
    void tick(Port port) {
        publish(port);
        if (!statusLine) {
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
        long drops = drops(c);
        out.printf(Locale.ROOT, "%s%s: rx %.3f Mpps, tx %.3f Mpps, drops %d, ring full %d, CPU %.0f%%%s",
            terminal ? "\r" : "", port.spec(), (rx - lastPackets) / seconds / 1e6, (tx - lastTx) / seconds / 1e6, drops,
            c.get(Counter.RING_FULL), 100.0 * (cpu - lastCpu) / (now - lastNanos), terminal ? "   " : "\n");
        out.flush();
        lastNanos = now;
        lastCpu = cpu;
        lastPackets = rx;
        lastTx = tx;
    }

    /** Frames dropped, all causes: backpressure, the kernel's (no fill frame, ring full), the socket's, oversized. */
    static long drops(PortCounters c) {
        return c.get(Counter.DROPS) + c.get(Counter.XDP_RX_DROPPED) + c.get(Counter.XDP_RX_RING_FULL)
            + c.get(Counter.KERNEL_DROPS) + c.get(Counter.OVERSIZED);
    }

    private void publish(Port port) {
        if (!statTried) {
            statTried = true;
            try {
                stat = CountersFile.create(port.spec(), port.toString(), owner); // the mode line rx prints
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("zcnbrh: no counters file for zcnbrh stat and the dashboard (" + e.getMessage()
                    + ")");
            }
        }
        boolean statDue = stat != null && stat.due();
        boolean metricsDue = metrics != null && metrics.due();
        if (!statDue && !metricsDue) {
            return;
        }
        PortCounters c = port.counters();
        AuditReport a = port.audit(); // the frames by place: ring levels (a walk of the frame table, 10 times a second)
        if (statDue) {
            stat.publish(c, a);
        }
        if (metricsDue) {
            metrics.publish(port.spec(), c, a);
        }
    }

    /** Ends the line on a terminal, removes the counters file and stops the endpoint. */
    @Override
    public void close() {
        if (stat != null) {
            try {
                stat.close();
            } catch (java.io.IOException ignored) {
                // a leftover file names a dead pid: stat and the dashboard show it as gone, the next create sweeps it
            }
        }
        if (metrics != null) {
            metrics.close();
        }
        if (statusLine && terminal) {
            out.println();
        }
    }
}
