package io.zcnbrh.app;

import io.zcnbrh.bench.RingHandoffBenchmark;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.perf.CycleCounter;

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
    @Parameters(index = "0", description = "what to benchmark: receive (every backend and DatagramChannel), transmit "
        + "(every sender, counted at the far end), forward (AF_XDP hairpin), ring, shm, afxdp or latency")
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

    @Option(names = "--quick", description = "receive: 64-byte frames, AF_XDP, Netty (epoll) and DatagramChannel, "
        + "2 s x 3 rounds; transmit: AF_XDP and DatagramChannel")
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

    @Option(names = "--senders", split = ",", description = "transmit: which senders (default: all; --quick: AF_XDP "
        + "and DatagramChannel)")
    List<String> senders;

    @Option(names = "--against", defaultValue = "jdk",
        description = "afxdp: the peer measured in the same run: jdk (DatagramChannel) or c (a libxdp receiver, "
            + "bench/peers/xsk_peer.c, built with gcc)")
    String against;

    @Option(names = "--ring-size", defaultValue = "0",
        description = "receive, transmit, forward, afxdp: ring size of every port and of the C peer (default: the "
            + "library's default; the UMEM has twice as many frames)")
    int ringSize;

    @Override
    public Integer call() throws Exception {
        if (ringSize > 0) {
            AfXdpBench.ringSize = ringSize;
        }
        return switch (what) {
            case "ring" -> ring();
            case "shm" -> shm();
            case "afxdp" -> afxdp();
            case "receive" -> receive();
            case "latency" -> latency();
            case "transmit" -> transmit();
            case "forward" -> forward();
            default -> {
                System.err.println("unknown benchmark '" + what + "'; available: ring, shm, afxdp, receive, transmit, "
                    + "forward, latency");
                yield 2;
            }
        };
    }

    /**
     * shm: against a Unix domain socket and Aeron IPC, the same frames, the receiver in a second JVM checking order;
     * the three alternate within each round (rotating who goes first).
     */
    private int shm() throws Exception {
        String[] names = {"zcnbrh-shm", "unix-socket", "aeron-ipc"};
        for (int length : lengths) {
            double[][] rates = new double[3][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 3; k++) {
                    int which = (k + r) % 3;
                    rates[which][r] = switch (which) {
                        case 0 -> ShmThroughput.shm(seconds, length);
                        case 1 -> ShmThroughput.unixSocket(seconds, length);
                        default -> ShmThroughput.aeron(seconds, length);
                    };
                }
                for (int i = 0; i < 3; i++) {
                    if (json) {
                        printShmJson(names[i], length, r, rates[i][r]);
                    }
                }
                if (!json) {
                    System.out.printf(Locale.ROOT, "%d B round %d: shm %.2f Mpps, unix socket %.2f Mpps, Aeron IPC %.2f "
                        + "Mpps%n", length, r + 1, rates[0][r] / 1e6, rates[1][r] / 1e6, rates[2][r] / 1e6);
                }
            }
            double shm = AfXdpBench.median(rates[0]);
            double unix = AfXdpBench.median(rates[1]);
            double aeron = AfXdpBench.median(rates[2]);
            if (!json) {
                System.out.printf(Locale.ROOT, "%d B median: shm %.2f Mpps (%.1f Gbit/s), unix socket %.2f Mpps, Aeron IPC "
                    + "%.2f Mpps; shm/unix %.2f, shm/aeron %.2f (receiver in a second JVM checks order)%n", length,
                    shm / 1e6, shm * length * 8 / 1e9, unix / 1e6, aeron / 1e6, shm / unix, shm / aeron);
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

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "latency: seconds of round trips before "
        + "measuring (a time, not a count: the JIT must be done, or a compilation takes the spinning client's core)")
    double warmupSeconds;

    @Option(names = "--busy-poll", defaultValue = "0", description = "latency: SO_BUSY_POLL microseconds (and "
        + "SO_PREFER_BUSY_POLL) on the AF_XDP clients' sockets, driven by their latency-mode wait; 0: off")
    int busyPollMicros;

    @Option(names = "--reflector", defaultValue = "socket", description = "latency: socket (a spinning "
        + "DatagramChannel in the namespace, on the other core) or xdp (an XDP program echoing in the kernel: the "
        + "whole round trip on the client's core, no user-space reflector)")
    String reflector;

    @Option(names = "--jfr", description = "latency: record JFR into this file and print, per client, the JIT "
        + "compilations, GC pauses and safepoints that fell into its measurement")
    java.nio.file.Path jfr;

    private int latency() throws Exception {
        List<String> who = receivers != null ? receivers : List.copyOf(LatencyBenchmark.CLIENTS.keySet());
        if (!json) {
            System.out.printf(Locale.ROOT, "bench latency: UDP ping-pong to a reflector in the namespace, %d round "
                + "trips per client after %.1f s of warm-up, clients on CPU %s, %s%n", samples, warmupSeconds,
                cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu), reflector.equals("xdp")
                    ? "the reflector an XDP program in the kernel" : "the reflector on the other");
        }
        LatencyBenchmark.Settings settings = new LatencyBenchmark.Settings(samples, warmupSeconds,
            cpuOrAny(receiverCpu), busyPollMicros, reflector);
        if (jfr == null) {
            LatencyBenchmark.print(LatencyBenchmark.run(who, settings), json);
            return 0;
        }
        try (LatencyJfr recording = new LatencyJfr(jfr)) {
            List<LatencyBenchmark.Result> results = LatencyBenchmark.run(who, settings);
            LatencyBenchmark.print(results, json);
            recording.report(results, json);
        }
        return 0;
    }

    private int transmit() throws Exception {
        List<String> who = senders != null ? senders : quick ? TransmitBenchmark.QUICK
            : List.copyOf(TransmitBenchmark.SENDERS.keySet());
        if (!json) {
            System.out.printf(Locale.ROOT, "bench transmit: %s, 64-byte UDP frames, %d round(s) of %.1f s after 1 s of "
                + "warm-up; senders on CPU %s, the far end (its threaded NAPI, counting in XDP) on CPU %s%n", who,
                rounds, seconds, cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu),
                cpuOrAny(generatorCpu) < 0 ? "any" : cpuOrAny(generatorCpu));
        }
        TransmitBenchmark.print(TransmitBenchmark.run(who, rounds, seconds, cpuOrAny(receiverCpu),
            cpuOrAny(generatorCpu)), json);
        return 0;
    }

    private int forward() throws Exception {
        if (!List.of("none", "c").contains(against.equals("jdk") ? "none" : against)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "forward: --against must be c (or left out), was '" + against + "'");
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "bench forward: 64-byte UDP from the live-frames generator (CPU %s) through "
                + "an AF_XDP hairpin (CPU %s) back to the far end, %d round(s) of %.1f s%n",
                cpuOrAny(generatorCpu) < 0 ? "any" : cpuOrAny(generatorCpu),
                cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu), rounds, seconds);
        }
        ForwardBenchmark.print(ForwardBenchmark.run(rounds, seconds, cpuOrAny(generatorCpu), cpuOrAny(receiverCpu),
            against.equals("c")), json);
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
        String cycles = CycleCounter.unavailableReason() == null
            ? "measured with perf_event_open on the receiving thread (in the JSON: cycles_per_packet)"
            : "not measured: " + CycleCounter.unavailableReason();
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

    /**
     * AF_XDP against DatagramChannel, the same generator, in ABBA order across rounds (A first in odd rounds, B
     * first in even ones), so a speed level the VM lands on is shared by both.
     */
    private int afxdp() throws Exception {
        System.out.printf(Locale.ROOT, "bench afxdp: 64-byte UDP, live-frames XDP_TX generator on CPU %s, receivers "
            + "and the outer end's threaded NAPI on CPU %s, idle receiver: %s, %d round(s) of %.1f s%n",
            cpuOrAny(generatorCpu) < 0 ? "any" : cpuOrAny(generatorCpu),
            cpuOrAny(receiverCpu) < 0 ? "any" : cpuOrAny(receiverCpu), receiverIdle, rounds, seconds);
        AfXdpBench.Run[] ours = new AfXdpBench.Run[rounds];
        AfXdpBench.Run[] peer = new AfXdpBench.Run[rounds];
        if (!List.of("jdk", "c", "xdp-drop").contains(against)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "--against must be jdk, c or xdp-drop, was '" + against + "'");
        }
        java.nio.file.Path cPeer = against.equals("c") ? CPeer.build() : null;
        String peerName = cPeer != null ? "C libxdp" : against.equals("xdp-drop") ? "kernel XDP_DROP"
            : "DatagramChannel";
        try (VethPair veth = new VethPair().withUdpPath()) {
            byte[] frame = AfXdpBench.frame(veth);
            AfXdpBench.Placement at = placement();
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    boolean oursNow = (k == 0) == (r % 2 == 0);
                    if (oursNow) {
                        ours[r] = AfXdpBench.measure(veth, frame, cpuOrAny(generatorCpu), at, p -> AfXdpBench.port(
                            "zcnbrh-afxdp", veth, "afxdp:" + veth.outer + "@0", seconds, 1, p));
                    } else {
                        peer[r] = AfXdpBench.measure(veth, frame, cpuOrAny(generatorCpu), at, p -> {
                            try {
                                return cPeer != null ? CPeer.run(cPeer, "rx", veth, AfXdpBench.ringSize, 2 * AfXdpBench.ringSize, seconds, 1, p, null)
                                    : against.equals("xdp-drop") ? AfXdpBench.xdpDrop(veth, seconds, 1, p)
                                    : AfXdpBench.datagramChannel(veth, seconds, 1, p);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    }
                }
                for (AfXdpBench.Run run : new AfXdpBench.Run[] {ours[r], peer[r]}) {
                    if (json) {
                        System.out.printf(Locale.ROOT, "{\"bench\":\"afxdp\",\"impl\":\"%s\",\"round\":%d,"
                            + "\"mpps\":%.4f,\"offered_mpps\":%.4f,\"generator_bound\":%s,"
                            + "\"alloc_bytes_per_packet\":%.4f,\"receiver_cpu_ns_per_packet\":%.0f}%n", run.impl(),
                            r + 1, run.pps() / 1e6, run.offeredPps() / 1e6, run.generatorBound(),
                            run.allocatedBytesPerPacket(), run.cpuNanosPerPacket());
                    }
                }
                if (!json) {
                    System.out.printf(Locale.ROOT, "round %d: AF_XDP %.3f Mpps of %.3f offered, %.0f ns CPU/packet, "
                        + "%.4f B/packet | %s %.3f Mpps of %.3f offered, %.0f ns CPU/packet, %.1f B/packet"
                        + " | ratio %.2f%s%n", r + 1, ours[r].pps() / 1e6, ours[r].offeredPps() / 1e6,
                        ours[r].cpuNanosPerPacket(), ours[r].allocatedBytesPerPacket(), peerName, peer[r].pps() / 1e6,
                        peer[r].offeredPps() / 1e6, peer[r].cpuNanosPerPacket(), peer[r].allocatedBytesPerPacket(),
                        ours[r].pps() / peer[r].pps(), ours[r].generatorBound() || peer[r].generatorBound()
                            ? "  GENERATOR-BOUND (a receiver took more than half of what was offered)" : "");
                }
            }
        }
        double mo = AfXdpBench.median(java.util.Arrays.stream(ours).mapToDouble(AfXdpBench.Run::pps).toArray());
        double mp = AfXdpBench.median(java.util.Arrays.stream(peer).mapToDouble(AfXdpBench.Run::pps).toArray());
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = ours[r].pps() / peer[r].pps();
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "median: AF_XDP %.3f Mpps, %s %.3f Mpps, median ratio %.2f "
                + "(offered %.3f Mpps); receiver CPU %.0f vs %.0f ns/packet%n", mo / 1e6, peerName, mp / 1e6,
                AfXdpBench.median(ratios), AfXdpBench.median(java.util.Arrays.stream(ours)
                    .mapToDouble(AfXdpBench.Run::offeredPps).toArray()) / 1e6,
                AfXdpBench.median(java.util.Arrays.stream(ours).mapToDouble(AfXdpBench.Run::cpuNanosPerPacket)
                    .toArray()),
                AfXdpBench.median(java.util.Arrays.stream(peer).mapToDouble(AfXdpBench.Run::cpuNanosPerPacket)
                    .toArray()));
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
