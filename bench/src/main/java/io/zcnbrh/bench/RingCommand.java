package io.zcnbrh.bench;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh bench ring}: the SPSC hand-off comparison under JMH, every implementation in one invocation. */
@Command(name = "ring", mixinStandardHelpOptions = true,
    description = "SPSC descriptor hand-off (JMH): the library's ring against JCTools, Agrona and the Disruptor.")
final class RingCommand implements Callable<Integer> {
    @Mixin
    JsonOption out;

    @Option(names = "--impl", split = ",", description = "implementations (default: zcnbrh,jctools,agrona,disruptor)")
    List<String> impls;

    @Option(names = "--batch", split = ",", description = "batch sizes (default: 1,32,64)")
    List<String> batches;

    @Option(names = "--forks", defaultValue = "1", description = "JMH forks per configuration")
    int forks;

    @Option(names = "--warmup", defaultValue = "2", description = "warm-up iterations of 1 s")
    int warmup;

    @Option(names = "--iterations", defaultValue = "3", description = "measured iterations of 1 s")
    int iterations;

    @Option(names = "--spin-wait", defaultValue = "true", description = "Thread.onSpinWait() in the full/empty loops")
    String spinWait;

    @Override
    public Integer call() throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
            .include(RingHandoffBenchmark.class.getName())
            .param("impl", (impls != null ? impls : List.of("zcnbrh", "jctools", "agrona", "disruptor")).toArray(String[]::new))
            .param("batch", (batches != null ? batches : List.of("1", "32", "64")).toArray(String[]::new))
            .param("onSpinWait", spinWait.split(","))
            .forks(forks)
            .warmupIterations(warmup).warmupTime(TimeValue.seconds(1))
            .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
            .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED")
            .verbosity(out.json ? VerboseMode.SILENT : VerboseMode.NORMAL);
        Collection<RunResult> results = new Runner(options.build()).run();
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            Result<?> consumed = r.getSecondaryResults().get("descriptors");
            String impl = r.getParams().getParam("impl");
            String batch = r.getParams().getParam("batch");
            double ops = consumed == null ? Double.NaN : consumed.getScore();
            double err = consumed == null ? Double.NaN : consumed.getScoreError();
            rows.add(new String[] {impl, batch, r.getParams().getParam("onSpinWait"), Double.toString(ops),
                Double.toString(err)});
        }
        rows.sort(Comparator.<String[], Integer>comparing(row -> Integer.parseInt(row[1])).thenComparing(row -> row[0]));
        if (out.json) {
            for (String[] row : rows) {
                System.out.printf(Locale.ROOT,
                    "{\"bench\":\"ring\",\"impl\":\"%s\",\"batch\":%s,\"on_spin_wait\":%s,\"ops_per_sec\":%.0f,"
                        + "\"error\":%.0f}%n", row[0], row[1], row[2], Double.parseDouble(row[3]),
                    Double.parseDouble(row[4]));
            }
        } else {
            System.out.println();
            System.out.println("descriptors consumed per second, one invocation (quote the median of three); x ours = impl / zcnbrh at the same batch");
            System.out.printf(Locale.ROOT, "%-10s %6s %10s %16s %8s%n", "impl", "batch", "spinwait", "M desc/s", "x ours");
            for (String[] row : rows) {
                double ours = rows.stream().filter(o -> o[0].equals("zcnbrh") && o[1].equals(row[1])
                    && o[2].equals(row[2])).mapToDouble(o -> Double.parseDouble(o[3])).findFirst().orElse(Double.NaN);
                double v = Double.parseDouble(row[3]);
                System.out.printf(Locale.ROOT, "%-10s %6s %10s %16.1f %8.2f%n", row[0], row[1], row[2], v / 1e6,
                    v / ours);
            }
        }
        return 0;
    }
}
