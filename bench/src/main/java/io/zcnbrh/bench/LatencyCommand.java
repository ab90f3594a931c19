package io.zcnbrh.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh bench latency}: UDP round trips of every client to one reflector, same run. */
@Command(name = "latency", mixinStandardHelpOptions = true,
    description = "Round-trip latency of every backend and its peers (Netty, DatagramChannel, C) to a reflector.")
final class LatencyCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;
    @Mixin
    PlacementOptions at;

    @Option(names = "--receivers", split = ",", description = "which clients (default: all)")
    List<String> clients;

    @Option(names = "--samples", defaultValue = "20000", description = "round trips per client")
    int samples;

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "seconds of round trips before measuring "
        + "(a time, not a count: the JIT must be done, or a compilation takes the spinning client's core)")
    double warmupSeconds;

    @Option(names = "--busy-poll", defaultValue = "0", description = "SO_BUSY_POLL microseconds (and "
        + "SO_PREFER_BUSY_POLL) on the AF_XDP clients' sockets, driven by their latency-mode wait; 0: off")
    int busyPollMicros;

    @Option(names = "--reflector", defaultValue = "socket", description = "socket (a spinning DatagramChannel in the "
        + "namespace, on the other core) or xdp (an XDP program echoing in the kernel: the whole round trip on the "
        + "client's core, no user-space reflector)")
    String reflector;

    @Option(names = "--jfr", description = "record JFR into this file and print, per client, the JIT compilations, GC "
        + "pauses and safepoints that fell into its measurement")
    Path jfr;

    @Override
    public Integer call() throws Exception {
        List<String> who = clients != null ? clients : List.copyOf(LatencyBenchmark.CLIENTS.keySet());
        if (!out.json) {
            System.out.printf(Locale.ROOT, "bench latency: UDP ping-pong to a reflector in the namespace, %d round "
                + "trips per client after %.1f s of warm-up, clients on CPU %s, %s%n", samples, warmupSeconds,
                PlacementOptions.describe(at.receiver()), reflector.equals("xdp")
                    ? "the reflector an XDP program in the kernel" : "the reflector on the other");
        }
        LatencyBenchmark.Settings settings = new LatencyBenchmark.Settings(samples, warmupSeconds, at.receiver(),
            busyPollMicros, reflector);
        if (jfr == null) {
            LatencyBenchmark.print(LatencyBenchmark.run(who, settings), out.json);
            return 0;
        }
        try (LatencyJfr recording = new LatencyJfr(jfr)) {
            List<LatencyBenchmark.Result> results = LatencyBenchmark.run(who, settings);
            LatencyBenchmark.print(results, out.json);
            recording.report(results, out.json);
        }
        return 0;
    }
}
