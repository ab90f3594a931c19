package io.zcnbrh.app;

import io.zcnbrh.bench.RingHandoffBenchmark;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code zcnbrh bench ring}: the SPSC hand-off comparison (JMH, all implementations in one invocation).
 * {@code zcnbrh bench shm}: two-process throughput, shm: against a Unix domain socket, in the same run.
 */
@Command(name = "bench", description = "Run a benchmark side by side with its peers (JMH).")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "what to benchmark: receive (every backend and DatagramChannel), ring, shm "
        + "or afxdp")
    String what;

    @Option(names = "--json", description = "print one JSON object per result line instead of a table")
    boolean json;

    @Option(names = "--impl", split = ",", description = "implementations (default: zcnbrh,jctools,agrona,disruptor)")
    List<String> impls = List.of("zcnbrh", "jctools", "agrona", "disruptor");

    @Option(names = "--batch", split = ",", description = "batch sizes (default: 1,32,64)")
    List<String> batches = List.of("1", "32", "64");

    @Option(names = "--forks", defaultValue = "1", description = "JMH forks per configuration")
    int forks;

    @Option(names = "--warmup", defaultValue = "2", description = "warm-up iterations of 1 s")
    int warmup;

    @Option(names = "--iterations", defaultValue = "3", description = "measured iterations of 1 s")
    int iterations;

    @Option(names = "--spin-wait", defaultValue = "true", description = "Thread.onSpinWait() in the full/empty loops")
    String spinWait;

    @Option(names = "--seconds", defaultValue = "2", description = "shm: seconds per measurement")
    double seconds;

    @Option(names = "--rounds", defaultValue = "3", description = "shm: rounds (the median is reported)")
    int rounds;

    @Option(names = "--length", split = ",", description = "shm: frame lengths in bytes (default: 64,1500)")
    List<Integer> lengths = List.of(64, 1500);

    @Option(names = "--quick", description = "receive: 64-byte frames, AF_XDP and DatagramChannel, 2 s x 3 rounds")
    boolean quick;

    @Option(names = "--receivers", split = ",", description = "receive: which receivers (default: all)")
    List<String> receivers;

    @Option(names = "--size", split = ",", description = "receive: frame sizes (default 64,1500)")
    List<Integer> sizes;

    @Option(names = "--svg", description = "receive: also write a bar chart here")
    java.nio.file.Path svg;

    @Option(names = "--generator-cpu", defaultValue = "0", description = "afxdp: CPU of the traffic generator (-1: any)")
    int generatorCpu;

    @Option(names = "--receiver-cpu", defaultValue = "1",
        description = "afxdp: CPU of the receivers (-1: any; the generator's CPU to share one core)")
    int receiverCpu;

    @Option(names = "--receiver-idle", defaultValue = "default",
        description = "afxdp: what an idle receiver does: default (the library's), spin (busy poll, never sleeps)")
    String receiverIdle;

    @Override
    public Integer call() throws Exception {
        return switch (what) {
            case "ring" -> ring();
            case "shm" -> shm();
            case "afxdp" -> afxdp();
            case "receive" -> receive();
            case "latency" -> latency();
            default -> {
                System.err.println("unknown benchmark '" + what + "'; available: ring, shm, afxdp, receive, latency");
                yield 2;
            }
        };
    }

    private int shm() throws Exception {
        for (int length : lengths) {
            double[] ours = new double[rounds];
            double[] peer = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ours[r] = ShmThroughput.shm(seconds, length);
                peer[r] = ShmThroughput.unixSocket(seconds, length);
                if (json) {
                    printShmJson("zcnbrh", length, r, ours[r]);
                    printShmJson("unix-socket", length, r, peer[r]);
                } else {
                    System.out.printf(Locale.ROOT, "%d B round %d: shm %.2f Mpps, unix socket %.2f Mpps, ratio %.2f%n",
                        length, r + 1, ours[r] / 1e6, peer[r] / 1e6, ours[r] / peer[r]);
                }
            }
            java.util.Arrays.sort(ours);
            java.util.Arrays.sort(peer);
            double mo = ours[rounds / 2];
            double mp = peer[rounds / 2];
            if (!json) {
                System.out.printf(Locale.ROOT, "%d B median: shm %.2f Mpps (%.1f Gbit/s), unix socket %.2f Mpps, "
                    + "shm/unix %.2f (receiver in a second JVM checks order)%n", length, mo / 1e6,
                    mo * length * 8 / 1e9, mp / 1e6, mo / mp);
            }
        }
        return 0;
    }

    private AfXdpBench.Placement placement() {
        if (!receiverIdle.equals("default") && !receiverIdle.equals("spin")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "--receiver-idle must be default or spin, was '" + receiverIdle + "'");
        }
        return new AfXdpBench.Placement(cpuOrAny(receiverCpu), receiverIdle.equals("spin"));
    }

    /** A CPU that exists here, or -1 (unpinned) on a machine with fewer CPUs. */
    private static int cpuOrAny(int cpu) {
        return cpu < Runtime.getRuntime().availableProcessors() ? cpu : -1;
    }

    @Option(names = "--samples", defaultValue = "20000", description = "latency: round trips per client")
    int samples;

    private int latency() throws Exception {
        List<String> who = receivers != null ? receivers : List.copyOf(LatencyBenchmark.CLIENTS.keySet());
        if (!json) {
            System.out.printf(Locale.ROOT, "bench latency: UDP ping-pong to a reflector in the namespace, %d round "
                + "trips per client (+10%% warm-up), clients on CPU %s%n", samples,
                cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu));
        }
        LatencyBenchmark.print(LatencyBenchmark.run(who, samples, cpuOrAny(receiverCpu)), json);
        return 0;
    }

    private int receive() throws Exception {
        List<String> who = receivers != null ? receivers : quick ? ReceiveBenchmark.QUICK
            : List.copyOf(ReceiveBenchmark.RECEIVERS.keySet());
        List<Integer> frameSizes = sizes != null ? sizes : quick ? List.of(64) : List.of(64, 1500);
        if (!json) {
            System.out.printf(Locale.ROOT, "bench receive: %s, sizes %s, %d round(s) of %.1f s; generator on CPU %s, "
                + "receivers on CPU %s (%s)%n", who, frameSizes, rounds, seconds, cpuOrAny(generatorCpu) < 0 ? "any"
                : cpuOrAny(generatorCpu), cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu),
                System.getProperty("os.version"));
        }
        List<ReceiveBenchmark.Result> results = ReceiveBenchmark.run(who, frameSizes, rounds, seconds,
            cpuOrAny(generatorCpu), placement());
        String cycles = io.zcnbrh.perf.CycleCounter.unavailableReason() == null
            ? "measured with perf_event_open on the receiving thread (in the JSON: cycles_per_packet)"
            : "not measured: " + io.zcnbrh.perf.CycleCounter.unavailableReason();
        if (json) {
            ReceiveBenchmark.printJson(results, cycles.replace("\"", "'"));
        } else {
            ReceiveBenchmark.printTable(results, cycles);
        }
        if (svg != null) {
            ReceiveBenchmark.writeSvg(results, svg);
        }
        return 0;
    }

    private int afxdp() throws Exception {
        System.out.printf(Locale.ROOT, "generator on CPU %s, receivers on CPU %s, idle receiver: %s%n",
            cpuOrAny(generatorCpu) < 0 ? "any" : cpuOrAny(generatorCpu),
            cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu), receiverIdle);
        double[] ours = new double[rounds];
        double[] peer = new double[rounds];
        double oursAlloc = 0;
        double peerAlloc = 0;
        String oursName = "zcnbrh-afxdp";
        double[] oursCpu = new double[rounds];
        double[] peerCpu = new double[rounds];
        try (io.zcnbrh.netlab.VethPair veth = new io.zcnbrh.netlab.VethPair().withUdpPath();
             io.zcnbrh.bpf.BpfProgram tx = io.zcnbrh.bpf.BpfProgram.load(io.zcnbrh.bpf.ProgramType.XDP,
                 new io.zcnbrh.bpf.asm.Assembler().ret(io.zcnbrh.bpf.TestRunResult.XDP_TX).build(), "generator")) {
            byte[] frame = AfXdpBench.frame(veth);
            for (int r = 0; r < rounds; r++) {
                java.util.concurrent.atomic.DoubleAdder[] offered = {new java.util.concurrent.atomic.DoubleAdder(),
                    new java.util.concurrent.atomic.DoubleAdder()};
                for (int which = 0; which < 2; which++) {
                    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                    Thread gen = null;
                    try {
                        if (which == 0) {
                            // the port must exist before traffic: open happens inside afxdp(), so start after a moment
                            java.util.concurrent.CompletableFuture<AfXdpBench.Run> f =
                                java.util.concurrent.CompletableFuture.supplyAsync(() -> AfXdpBench.afxdp(veth, seconds, 1, placement()));
                            Thread.sleep(300);
                            gen = AfXdpBench.generator(veth, tx, frame, stop, cpuOrAny(generatorCpu), offered[which]);
                            AfXdpBench.Run run = f.get();
                            ours[r] = run.pps();
                            oursAlloc = run.allocatedBytesPerPacket();
                            oursCpu[r] = run.cpuNanosPerPacket();
                            oursName = run.impl();
                        } else {
                            java.util.concurrent.CompletableFuture<AfXdpBench.Run> f =
                                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                                    try {
                                        return AfXdpBench.datagramChannel(veth, seconds, 1, placement());
                                    } catch (java.io.IOException e) {
                                        throw new java.io.UncheckedIOException(e);
                                    }
                                });
                            Thread.sleep(300);
                            gen = AfXdpBench.generator(veth, tx, frame, stop, cpuOrAny(generatorCpu), offered[which]);
                            AfXdpBench.Run run = f.get();
                            peer[r] = run.pps();
                            peerAlloc = run.allocatedBytesPerPacket();
                            peerCpu[r] = run.cpuNanosPerPacket();
                        }
                    } finally {
                        stop.set(true);
                        if (gen != null) {
                            gen.join(10_000);
                        }
                    }
                }
                if (json) {
                    System.out.printf(Locale.ROOT, "{\"bench\":\"afxdp\",\"impl\":\"%s\",\"round\":%d,"
                        + "\"ops_per_sec\":%.0f,\"alloc_bytes_per_packet\":%.4f,\"offered_pps\":%.0f,"
                        + "\"receiver_cpu_ns_per_packet\":%.0f}%n", oursName, r + 1, ours[r], oursAlloc,
                        offered[0].sum(), oursCpu[r]);
                    System.out.printf(Locale.ROOT, "{\"bench\":\"afxdp\",\"impl\":\"jdk-datagramchannel\","
                        + "\"round\":%d,\"ops_per_sec\":%.0f,\"alloc_bytes_per_packet\":%.4f,\"offered_pps\":%.0f,"
                        + "\"receiver_cpu_ns_per_packet\":%.0f}%n", r + 1, peer[r], peerAlloc, offered[1].sum(),
                        peerCpu[r]);
                } else {
                    System.out.printf(Locale.ROOT, "round %d: %s %.3f Mpps of %.3f offered, %.0f ns CPU/packet, "
                        + "%.4f B/packet | DatagramChannel %.3f Mpps of %.3f offered, %.0f ns CPU/packet, %.1f B/packet"
                        + " | ratio %.2f, CPU/packet ratio %.1f%n", r + 1, oursName, ours[r] / 1e6,
                        offered[0].sum() / 1e6, oursCpu[r], oursAlloc, peer[r] / 1e6, offered[1].sum() / 1e6,
                        peerCpu[r], peerAlloc, ours[r] / peer[r], peerCpu[r] / oursCpu[r]);
                }
            }
        }
        java.util.Arrays.sort(ours);
        java.util.Arrays.sort(peer);
        java.util.Arrays.sort(oursCpu);
        java.util.Arrays.sort(peerCpu);
        if (!json) {
            System.out.printf(Locale.ROOT, "median: %s %.3f Mpps, DatagramChannel %.3f Mpps, ratio %.2f; receiver CPU "
                + "%.0f vs %.0f ns/packet, ratio %.1f (64-byte UDP frames from a live-frames XDP_TX generator on the "
                + "veth peer)%n", oursName, ours[rounds / 2] / 1e6, peer[rounds / 2] / 1e6,
                ours[rounds / 2] / peer[rounds / 2], oursCpu[rounds / 2], peerCpu[rounds / 2],
                peerCpu[rounds / 2] / oursCpu[rounds / 2]);
        }
        return 0;
    }

    private static void printShmJson(String impl, int length, int round, double ops) {
        System.out.printf(Locale.ROOT, "{\"bench\":\"shm\",\"impl\":\"%s\",\"length\":%d,\"round\":%d,"
            + "\"ops_per_sec\":%.0f}%n", impl, length, round + 1, ops);
    }

    private int ring() throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
            .include(RingHandoffBenchmark.class.getName())
            .param("impl", impls.toArray(String[]::new))
            .param("batch", batches.toArray(String[]::new))
            .param("onSpinWait", spinWait.split(","))
            .forks(forks)
            .warmupIterations(warmup).warmupTime(TimeValue.seconds(1))
            .measurementIterations(iterations).measurementTime(TimeValue.seconds(1))
            .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED")
            .verbosity(json ? VerboseMode.SILENT : VerboseMode.NORMAL);
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
        if (json) {
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
