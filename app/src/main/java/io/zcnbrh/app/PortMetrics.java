package io.zcnbrh.app;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.zcnbrh.Counter;
import io.zcnbrh.PortCounters;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A port's counters on a Prometheus endpoint ({@code http://localhost:PORT/metrics}, the official Prometheus
 * Java client). The poll thread publishes a snapshot at most ten times a second ({@link #publish}, through
 * {@link PortTelemetry}); the HTTP thread reads only the snapshot, never the port (whose counters have a single
 * writer).
 */
final class PortMetrics implements AutoCloseable {
    private static final Counter[] COUNTERS = Counter.values();
    private static final int FILL = COUNTERS.length, TX = FILL + 1, CPU_NS = TX + 1, SIZE = CPU_NS + 1;

    private volatile String spec = "";
    private final AtomicLongArray snapshot = new AtomicLongArray(SIZE);
    private final HTTPServer server;
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private long last;
    private long lastCpu = -1;
    private long lastPackets;

    PortMetrics(int httpPort) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        counter(registry, "zcnbrh_packets_processed", "packets handed to the application", Counter.PACKETS_RX);
        counter(registry, "zcnbrh_packets_transmitted", "packets put on the transmit path", Counter.PACKETS_TX);
        counter(registry, "zcnbrh_ring_full_count", "times a sender found a full ring or no free frame",
            Counter.RING_FULL);
        counter(registry, "zcnbrh_fill_ring_empty", "times the kernel found no frame on the fill ring to receive into",
            Counter.XDP_FILL_RING_EMPTY);
        counter(registry, "zcnbrh_credit_stalls", "polls refused because the application held its whole credit",
            Counter.CREDIT_STALLS);
        counter(registry, "zcnbrh_invalid_descriptors", "descriptors refused (out of bounds, not the writer's frame)",
            Counter.INVALID_DESCRIPTORS);
        CounterWithCallback.builder().name("zcnbrh_bytes").help("bytes moved").labelNames("port", "direction")
            .callback(cb -> {
                cb.call(value(Counter.BYTES_RX), spec, "rx");
                cb.call(value(Counter.BYTES_TX), spec, "tx");
            }).register(registry);
        CounterWithCallback.builder().name("zcnbrh_drops").help("frames dropped, by cause").labelNames("port", "cause")
            .callback(cb -> {
                cb.call(value(Counter.DROPS), spec, "backpressure");
                cb.call(value(Counter.XDP_RX_DROPPED), spec, "xdp_rx_dropped");
                cb.call(value(Counter.XDP_RX_RING_FULL), spec, "xdp_rx_ring_full");
                cb.call(value(Counter.KERNEL_DROPS), spec, "kernel");
                cb.call(value(Counter.OVERSIZED), spec, "oversized");
                cb.call(value(Counter.FILTER_DROP), spec, "filter");
            }).register(registry);
        GaugeWithCallback.builder().name("zcnbrh_fill_ring_depth").help("frames given to the kernel to receive into")
            .labelNames("port").callback(cb -> cb.call(snapshot.get(FILL), spec)).register(registry);
        GaugeWithCallback.builder().name("zcnbrh_tx_ring_depth").help("frames on the way out, not yet completed")
            .labelNames("port").callback(cb -> cb.call(snapshot.get(TX), spec)).register(registry);
        GaugeWithCallback.builder().name("zcnbrh_cpu_ns_per_packet").help("CPU time of the poll thread per packet")
            .labelNames("port").callback(cb -> cb.call(snapshot.get(CPU_NS) / 1000.0, spec)).register(registry);
        GaugeWithCallback.builder().name("zcnbrh_cpu_cycles_per_packet")
            .help("CPU cycles per packet; NaN where perf_event_open has no cycle counter (see zcnbrh doctor)")
            .labelNames("port").callback(cb -> cb.call(Double.NaN, spec)).register(registry);
        this.server = HTTPServer.builder().port(httpPort).registry(registry).buildAndStart();
    }

    private void counter(PrometheusRegistry registry, String name, String help, Counter c) {
        CounterWithCallback.builder().name(name).help(help).labelNames("port")
            .callback(cb -> cb.call(value(c), spec)).register(registry);
    }

    private double value(Counter c) {
        return snapshot.get(c.ordinal());
    }

    /** The HTTP port actually bound (for port 0). */
    int httpPort() {
        return server.getPort();
    }

    /** Whether 100 ms have passed since the last {@link #publish}. */
    boolean due() {
        return System.nanoTime() - last >= 100_000_000L;
    }

    /** Publishes the port's counters and frames by place, on the poll thread. */
    void publish(String portSpec, PortCounters c, AuditReport a) {
        last = System.nanoTime();
        spec = portSpec;
        for (Counter k : COUNTERS) {
            snapshot.set(k.ordinal(), c.get(k));
        }
        snapshot.set(FILL, a.count(FramePlace.FILL));
        snapshot.set(TX, a.count(FramePlace.TX));
        long cpu = threads.getCurrentThreadCpuTime();
        long packets = c.get(Counter.PACKETS_RX) + c.get(Counter.PACKETS_TX);
        if (lastCpu >= 0 && packets > lastPackets) {
            snapshot.set(CPU_NS, 1000 * (cpu - lastCpu) / (packets - lastPackets)); // in thousandths of a ns
        }
        lastCpu = cpu;
        lastPackets = packets;
    }

    @Override
    public void close() {
        server.close();
    }
}
