package io.zcnbrh.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code zcnbrh bench shm}: two-process throughput of a shm: port against a Unix domain socket and Aeron IPC, the
 * same frames, the receiver in a second JVM checking order; the three alternate within each round (rotating who goes
 * first).
 */
@Command(name = "shm", mixinStandardHelpOptions = true,
    description = "Two-process throughput: shm: against a Unix domain socket and Aeron IPC.")
final class ShmCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;
    @Mixin
    RoundOptions rounds;

    @Option(names = "--length", split = ",", description = "frame lengths in bytes (default: 64,1500)")
    List<Integer> lengths;

    @Override
    public Integer call() throws Exception {
        String[] names = {"zcnbrh-shm", "unix-socket", "aeron-ipc"};
        for (int length : lengths != null ? lengths : List.of(64, 1500)) {
            double[][] rates = new double[3][rounds.rounds];
            for (int r = 0; r < rounds.rounds; r++) {
                for (int k = 0; k < 3; k++) {
                    int which = (k + r) % 3;
                    rates[which][r] = switch (which) {
                        case 0 -> ShmThroughput.shm(rounds.seconds, length);
                        case 1 -> ShmThroughput.unixSocket(rounds.seconds, length);
                        default -> ShmThroughput.aeron(rounds.seconds, length);
                    };
                }
                for (int i = 0; i < 3; i++) {
                    if (out.json) {
                        printShmJson(names[i], length, r, rates[i][r]);
                    }
                }
                if (!out.json) {
                    System.out.printf(Locale.ROOT, "%d B round %d: shm %.2f Mpps, unix socket %.2f Mpps, Aeron IPC %.2f "
                        + "Mpps%n", length, r + 1, rates[0][r] / 1e6, rates[1][r] / 1e6, rates[2][r] / 1e6);
                }
            }
            double shm = AfXdpBench.median(rates[0]);
            double unix = AfXdpBench.median(rates[1]);
            double aeron = AfXdpBench.median(rates[2]);
            if (!out.json) {
                System.out.printf(Locale.ROOT, "%d B median: shm %.2f Mpps (%.1f Gbit/s), unix socket %.2f Mpps, Aeron IPC "
                    + "%.2f Mpps; shm/unix %.2f, shm/aeron %.2f (receiver in a second JVM checks order)%n", length,
                    shm / 1e6, shm * length * 8 / 1e9, unix / 1e6, aeron / 1e6, shm / unix, shm / aeron);
            }
        }
        return 0;
    }

    private static void printShmJson(String impl, int length, int round, double ops) {
        System.out.printf(Locale.ROOT, "{\"bench\":\"shm\",\"impl\":\"%s\",\"length\":%d,\"round\":%d,"
            + "\"ops_per_sec\":%.0f}%n", impl, length, round + 1, ops);
    }
}
