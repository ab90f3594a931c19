package io.zcnbrh.bench;

import io.zcnbrh.perf.CycleCounter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh bench receive}: every backend and its peers receiving the live-frames generator's UDP, same run. */
@Command(name = "receive", mixinStandardHelpOptions = true,
    description = "Receive rate of every backend, Netty (epoll, io_uring) and DatagramChannel from one generator.")
final class ReceiveCommand implements Callable<Integer> {
    @Mixin
    VethRunOptions run;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "64-byte frames, AF_XDP, Netty (epoll) and DatagramChannel only")
    boolean quick;

    @Option(names = "--receivers", split = ",", description = "which receivers (default: all)")
    List<String> receivers;

    @Option(names = "--size", split = ",", description = "frame sizes (default 64,1500)")
    List<Integer> sizes;

    @Option(names = "--svg", description = "also write a bar chart here")
    Path svg;

    @Override
    public Integer call() throws Exception {
        run.ring.apply();
        List<String> who = receivers != null ? receivers : quick ? ReceiveBenchmark.QUICK
            : List.copyOf(ReceiveBenchmark.RECEIVERS.keySet());
        List<Integer> frameSizes = sizes != null ? sizes : quick ? List.of(64) : List.of(64, 1500);
        if (!run.out.json) {
            System.out.printf(Locale.ROOT, "bench receive: %s, sizes %s, %d round(s) of %.1f s; generator on CPU %s, "
                + "receivers on CPU %s (%s)%n", who, frameSizes, run.rounds.rounds, run.rounds.seconds,
                PlacementOptions.describe(run.at.generator()), PlacementOptions.describe(run.at.receiver()),
                System.getProperty("os.version"));
        }
        List<ReceiveBenchmark.Result> results = ReceiveBenchmark.run(who, frameSizes, run.rounds.rounds, run.rounds.seconds,
            run.at.generator(), run.at.placement(spec.commandLine()));
        String cycles = CycleCounter.unavailableReason() == null
            ? "measured with perf_event_open on the receiving thread (in the JSON: cycles_per_packet)"
            : "not measured: " + CycleCounter.unavailableReason();
        if (run.out.json) {
            ReceiveBenchmark.printJson(results, cycles.replace("\"", "'"));
        } else {
            ReceiveBenchmark.printTable(results, cycles);
        }
        if (svg != null) {
            ReceiveBenchmark.writeSvg(results, svg);
        }
        return 0;
    }
}
