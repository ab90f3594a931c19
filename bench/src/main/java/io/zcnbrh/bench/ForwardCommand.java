package io.zcnbrh.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh bench forward}: an AF_XDP hairpin (RX descriptor back onto TX), against the C peer's. */
@Command(name = "forward", mixinStandardHelpOptions = true,
    description = "Forwarding rate of an AF_XDP hairpin, optionally beside the C libxdp peer's.")
final class ForwardCommand implements Callable<Integer> {
    @Mixin
    VethRunOptions run;

    @Option(names = "--against", description = "c: also the C peer's fwd (bench/peers/xsk_peer.c, built with gcc)")
    String against;

    @Override
    public Integer call() throws Exception {
        run.ring.apply();
        if (against != null && !against.equals("c")) {
            throw new IllegalArgumentException("forward: --against must be c (or left out), was '" + against + "'");
        }
        if (!run.out.json) {
            System.out.printf(Locale.ROOT, "bench forward: 64-byte UDP from the live-frames generator (CPU %s) through "
                + "an AF_XDP hairpin (CPU %s) back to the far end, %d round(s) of %.1f s%n",
                PlacementOptions.describe(run.at.generator()), PlacementOptions.describe(run.at.receiver()), run.rounds.rounds,
                run.rounds.seconds);
        }
        ForwardBenchmark.print(ForwardBenchmark.run(run.rounds.rounds, run.rounds.seconds, run.at.generator(), run.at.receiver(),
            "c".equals(against)), run.out.json);
        return 0;
    }
}
