package io.zcnbrh.app;

import io.zcnbrh.DaemonOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.PortCounters;
import io.zcnbrh.XdpProgram;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.numa.CpuAffinity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh rx SPEC --seconds N}: receive on a port and report the rate. */
@Command(name = "rx", description = "Receive on SPEC (e.g. afxdp:veth1@0) for a while and report packets and rate.")
public final class RxCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "port spec, e.g. afxdp:veth1@0 or shm:NAME")
    String spec;

    @Option(names = "--seconds", defaultValue = "5", description = "how long to receive")
    double seconds;

    @Option(names = "--warmup", defaultValue = "1", description = "seconds before the rate is measured")
    double warmup;

    @Option(names = "--cpu", defaultValue = "-1", description = "pin the poll thread to this CPU")
    int cpu;

    @Option(names = "--filter", description = "only frames matching this tcpdump expression (e.g. 'udp dst port 9000')")
    String filter;

    @Option(names = "--xdp-object", paramLabel = "FILE[:PROGRAM]",
        description = "afxdp: your own XDP program, an object built by clang -target bpf -c -g; its XSKMAP is used")
    String xdpObject;

    @picocli.CommandLine.Mixin
    MetricsOption metrics = new MetricsOption();

    @Option(names = "--pause-us", defaultValue = "0", description = "sleep this long after each poll that found "
        + "packets: a slow application, to see ring-full events, drops and the dashboard's alert")
    long pauseMicros;

    @Option(names = "--quiet", description = "no status line")
    boolean quiet;

    @Option(names = "--daemon-socket", defaultValue = "/run/zcnbrh/zcnbrhd.sock",
        description = "zcnbrhd: where the daemon listens (for zcnbrhd:IFACE@QUEUE)")
    String daemonSocket;

    @Option(names = "--json", description = "print one JSON object at the end")
    boolean json;

    @Option(names = "--latency-mode", description = "spin while waiting instead of sleeping (a whole core; "
        + "AF_PACKET uses per-frame TPACKET_V2 slots): see PortConfig.Builder.latencyMode")
    boolean latencyMode;

    /** Counts what the batch handler sees; packets are released by the batch form. */
    static final class Tally implements PacketHandler {
        long packets;
        long bytes;
        int largest;

        @Override
        public void onPacket(Packet packet) {
            int length = packet.packetLength(); // a multi-buffer packet counts whole
            packets++;
            bytes += length;
            largest = Math.max(largest, length);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (cpu >= 0) {
            CpuAffinity.pinCurrentThread(cpu);
        }
        PortConfig.Builder config = PortConfig.builder().filter(filter).daemon(DaemonOptions.at(daemonSocket))
            .latencyMode(latencyMode);
        if (xdpObject != null) {
            int colon = xdpObject.lastIndexOf(':');
            config.program(XdpProgram.objectFile(java.nio.file.Path.of(colon < 0 ? xdpObject : xdpObject.substring(0, colon)),
                colon < 0 ? null : xdpObject.substring(colon + 1)));
        }
        try (Port port = Zcnbrh.open(spec, config.build())) {
            if (!json) {
                System.out.println("rx: " + port);
            }
            Result r;
            try (PortTelemetry telemetry = new PortTelemetry("rx", System.err, !json && !quiet, metrics)) {
                r = receive(port, seconds, warmup, false, pauseMicros, telemetry::tick);
            }
            PortCounters c = port.counters();
            long drops = PortTelemetry.drops(c);
            String mode = port.mode();
            if (json) {
                StringBuilder all = new StringBuilder();
                c.snapshot().forEach((k, v) -> all.append(all.isEmpty() ? "" : ",").append('"').append(k)
                    .append("\":").append(v));
                System.out.printf(Locale.ROOT, "{\"backend\":\"%s\",\"mode\":\"%s\",\"packets\":%d,\"bytes\":%d,"
                    + "\"largest_packet\":%d,\"seconds\":%.3f,\"pps\":%.0f,\"drops\":%d,\"counters\":{%s}}%n",
                    port.backend(), mode, r.packets, r.bytes, r.largestPacket(), r.seconds, r.pps, drops, all);
            } else {
                System.out.printf(Locale.ROOT, "rx: %d packets, %d bytes in %.2f s (largest %d B); %.3f Mpps after "
                    + "%.1f s warm-up; drops %d; %s%n", r.packets, r.bytes, r.seconds, r.largestPacket(), r.pps / 1e6,
                    warmup, drops, c);
            }
            return 0;
        }
    }

    /** What a receive run saw. */
    public record Result(long packets, long bytes, double seconds, double pps, int largestPacket) {
    }

    /** Receives for {@code seconds}; the rate counts only what arrived after {@code warmup} seconds. */
    public static Result receive(Port port, double seconds, double warmup) {
        return receive(port, seconds, warmup, false);
    }

    /** With {@code spin}, an empty poll is followed by another poll at once (to measure what sleeping buys). */
    public static Result receive(Port port, double seconds, double warmup, boolean spin) {
        return receive(port, seconds, warmup, spin, 0, p -> { });
    }

    /**
     * As above; {@code tick} runs on the polling thread after every poll (status line, metrics); a poll that found
     * packets is followed by a sleep of {@code pauseMicros} (a slow application).
     */
    public static Result receive(Port port, double seconds, double warmup, boolean spin, long pauseMicros,
                          java.util.function.Consumer<Port> tick) {
        Tally t = new Tally();
        long start = System.nanoTime();
        long warmEnd = start + (long) (warmup * 1e9);
        long end = start + (long) (seconds * 1e9);
        long atWarm = -1;
        long warmTime = warmEnd;
        long now = start;
        while (now < end) {
            if (port.poll(t, 256) == 0) {
                if (!spin) {
                    port.awaitPackets(1_000_000); // sleep in the kernel: a spinning receiver starves veth's NAPI
                }
            } else if (pauseMicros > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(pauseMicros * 1000);
            }
            tick.accept(port);
            now = System.nanoTime();
            if (atWarm < 0 && now >= warmEnd) {
                atWarm = t.packets;
                warmTime = now;
            }
        }
        double measured = (now - warmTime) / 1e9;
        double pps = atWarm < 0 || measured <= 0 ? 0 : (t.packets - atWarm) / measured;
        return new Result(t.packets, t.bytes, (now - start) / 1e9, pps, t.largest);
    }
}
