package io.zcnbrh.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh bench transmit}: every sender's rate to a far end that counts in XDP, same run. */
@Command(name = "transmit", mixinStandardHelpOptions = true,
    description = "Transmit rate of every backend and its peers (Netty, DatagramChannel, C) to a counting far end.")
final class TransmitCommand implements Callable<Integer> {
    @Mixin
    VethRunOptions run;

    @Option(names = "--quick", description = "AF_XDP and DatagramChannel only")
    boolean quick;

    @Option(names = "--senders", split = ",", description = "which senders (default: all)")
    List<String> senders;

    @Override
    public Integer call() throws Exception {
        run.ring.apply();
        List<String> who = senders != null ? senders : quick ? TransmitBenchmark.QUICK
            : List.copyOf(TransmitBenchmark.SENDERS.keySet());
        if (!run.out.json) {
            System.out.printf(Locale.ROOT, "bench transmit: %s, 64-byte UDP frames, %d round(s) of %.1f s after 1 s of "
                + "warm-up; senders on CPU %s, the far end (its threaded NAPI, counting in XDP) on CPU %s%n", who,
                run.rounds.rounds, run.rounds.seconds, PlacementOptions.describe(run.at.receiver()),
                PlacementOptions.describe(run.at.generator()));
        }
        TransmitBenchmark.print(TransmitBenchmark.run(who, run.rounds.rounds, run.rounds.seconds, run.at.receiver(),
            run.at.generator()), run.out.json);
        return 0;
    }
}
