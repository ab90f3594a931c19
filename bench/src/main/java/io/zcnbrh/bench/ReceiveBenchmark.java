package io.zcnbrh.bench;

import io.zcnbrh.netlab.VethPair;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The standard receive benchmark (M17): one veth pair, one traffic generator (XDP_TX in BPF_PROG_TEST_RUN's
 * live-frames mode on the far end, pinned to one CPU), every receiver in turn on the other CPU, several rounds,
 * 64- and 1500-byte frames. Per receiver: Mpps (median, min, max), CPU ns per packet, CPU busy %, bytes allocated
 * per packet, the ratio to the JDK's DatagramChannel measured in the same run; cycles per packet where
 * perf_event_open has a cycle counter (not on this VM: said so).
 */
final class ReceiveBenchmark {
    /** Receivers by name: the spec pattern they open (IFACE, ADDR), or the DatagramChannel baseline. */
    static final Map<String, String> RECEIVERS = new LinkedHashMap<>();

    static {
        RECEIVERS.put("zcnbrh-afxdp", "afxdp:IFACE@0");
        RECEIVERS.put("zcnbrh-iouring-udp", "iouring:udp:ADDR:9000");
        RECEIVERS.put("zcnbrh-iouring-raw", "iouring:raw:IFACE");
        RECEIVERS.put("zcnbrh-afpacket", "afpacket:IFACE");
        RECEIVERS.put("zcnbrh-socket-udp", "socket:udp:ADDR:9000");
        RECEIVERS.put("zcnbrh-socket-raw", "socket:raw:IFACE");
        RECEIVERS.put("udp-zcnbrh", "udp:afxdp:IFACE@0");
        RECEIVERS.put("netty-zcnbrh", "netty:zcnbrh");
        RECEIVERS.put("netty-epoll", "netty:epoll");
        RECEIVERS.put("netty-io_uring", "netty:io_uring");
        RECEIVERS.put("jdk-datagramchannel", null);
    }

    static final List<String> QUICK = List.of("zcnbrh-afxdp", "netty-epoll", "jdk-datagramchannel");

    /** One receiver at one frame size over every round. */
    record Result(String receiver, int size, double[] mpps, double[] offeredMpps, double nsPerPacket,
                  double busyPercent, double allocPerPacket, double cyclesPerPacket) {
        double median() {
            return AfXdpBench.median(mpps);
        }

        double offeredMedian() {
            return AfXdpBench.median(offeredMpps);
        }

        /** Whether any round took more than half of what was offered: then the generator, not the receiver, set it. */
        boolean generatorBound() {
            for (int i = 0; i < mpps.length; i++) {
                if (mpps[i] > 0.5 * offeredMpps[i]) {
                    return true;
                }
            }
            return false;
        }
    }

    private ReceiveBenchmark() {
    }

    static List<Result> run(List<String> receivers, List<Integer> sizes, int rounds, double seconds, int generatorCpu,
                            AfXdpBench.Placement at) throws Exception {
        for (String r : receivers) {
            if (!RECEIVERS.containsKey(r)) {
                throw new IllegalArgumentException("unknown receiver '" + r + "'; available: " + RECEIVERS.keySet());
            }
        }
        List<Result> out = new ArrayList<>();
        try (VethPair veth = new VethPair().withUdpPath()) {
            for (int size : sizes) {
                byte[] frame = AfXdpBench.frame(veth, size);
                Map<String, double[]> mpps = new LinkedHashMap<>();
                Map<String, double[]> offered = new LinkedHashMap<>();
                Map<String, double[][]> other = new LinkedHashMap<>();
                for (String r : receivers) {
                    mpps.put(r, new double[rounds]);
                    offered.put(r, new double[rounds]);
                    other.put(r, new double[rounds][4]);
                }
                for (int round = 0; round < rounds; round++) {
                    for (String r : receivers) {
                        String pattern = RECEIVERS.get(r);
                        Function<AfXdpBench.Placement, AfXdpBench.Run> receiver = pattern == null ? p -> {
                            try {
                                return AfXdpBench.datagramChannel(veth, seconds, 0.5, p);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        } : pattern.startsWith("udp:") ? p -> UdpSocketReceiver.run(veth, seconds, 0.5, p)
                            : pattern.startsWith("netty:") ? p -> {
                            try {
                                return NettyReceiver.run(pattern.substring(6), veth, seconds, 0.5, p);
                            } catch (Exception e) {
                                throw new IllegalStateException("netty " + pattern + ": " + e, e);
                            }
                        } : p -> AfXdpBench.port(r, veth, pattern.replace("IFACE", veth.outer)
                            .replace("ADDR", veth.outerIp), seconds, 0.5, p);
                        AfXdpBench.Run run = AfXdpBench.measure(veth, frame, generatorCpu, at, receiver);
                        mpps.get(r)[round] = run.pps() / 1e6;
                        offered.get(r)[round] = run.offeredPps() / 1e6;
                        other.get(r)[round] = new double[] {run.cpuNanosPerPacket(), run.busyPercent(),
                            run.allocatedBytesPerPacket(), run.cyclesPerPacket()};
                    }
                }
                for (String r : receivers) {
                    double[][] o = other.get(r);
                    out.add(new Result(r, size, mpps.get(r), offered.get(r), median(o, 0), median(o, 1), median(o, 2), median(o, 3)));
                }
            }
        }
        return out;
    }

    private static double median(double[][] rows, int column) {
        double[] v = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            v[i] = rows[i][column];
        }
        Arrays.sort(v);
        return v[v.length / 2];
    }

    /** The ratio of {@code r}'s median to DatagramChannel's at the same size, or NaN. */
    static double ratio(List<Result> all, Result r) {
        for (Result b : all) {
            if (b.receiver().equals("jdk-datagramchannel") && b.size() == r.size()) {
                return r.median() / b.median();
            }
        }
        return Double.NaN;
    }

    static void printTable(List<Result> all, String cycles) {
        System.out.printf(Locale.ROOT, "%-22s %5s %8s %17s %8s %9s %7s %10s %9s%n", "receiver", "size", "Mpps",
            "(min-max)", "offered", "ns CPU/p", "busy%", "B alloc/p", "x DGChan");
        boolean anyBound = false;
        for (Result r : all) {
            double[] s = r.mpps().clone();
            Arrays.sort(s);
            anyBound |= r.generatorBound();
            System.out.printf(Locale.ROOT, "%-22s %5d %8.3f %17s %8.3f %9.0f %7.0f %10.4f %9.2f%s%n", r.receiver(),
                r.size(), r.median(), String.format(Locale.ROOT, "(%.3f-%.3f)", s[0], s[s.length - 1]),
                r.offeredMedian(), r.nsPerPacket(), r.busyPercent(), r.allocPerPacket(), ratio(all, r),
                r.generatorBound() ? "  GENERATOR-BOUND" : "");
        }
        if (anyBound) {
            System.out.println("GENERATOR-BOUND: the receiver took more than half of what the generator offered in a "
                + "round, so that rate is the generator's, not the receiver's");
        }
        System.out.println("cycles per packet: " + cycles);
    }

    static void printJson(List<Result> all, String cycles) {
        for (Result r : all) {
            double[] s = r.mpps().clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "{\"receiver\":\"%s\",\"size\":%d,\"mpps\":%.4f,\"mpps_min\":%.4f,"
                + "\"mpps_max\":%.4f,\"offered_mpps\":%.4f,\"generator_bound\":%s,\"rounds\":%d,\"ns_per_packet\":%.1f,\"cpu_busy_percent\":%.1f,"
                + "\"alloc_bytes_per_packet\":%.4f,\"ratio_vs_datagramchannel\":%.3f,\"cycles_per_packet\":%s,"
                + "\"cycles_note\":\"%s\"}%n", r.receiver(), r.size(), r.median(), s[0], s[s.length - 1],
                r.offeredMedian(), r.generatorBound(), s.length, r.nsPerPacket(), r.busyPercent(), r.allocPerPacket(), ratio(all, r),
                Double.isNaN(r.cyclesPerPacket()) ? "null" : String.format(Locale.ROOT, "%.0f", r.cyclesPerPacket()),
                Double.isNaN(r.cyclesPerPacket()) ? cycles : "perf_event_open, the receiving thread");
        }
    }

    /** A bar chart of the median Mpps per receiver and size. */
    static void writeSvg(List<Result> all, Path file) throws IOException {
        double max = all.stream().mapToDouble(Result::median).max().orElse(1);
        int bar = 22;
        int height = 40 + all.size() * (bar + 6);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n", height));
        svg.append("<text x=\"10\" y=\"20\" font-size=\"14\">zcnbrh bench receive: median Mpps (same generator, "
            + "same run)</text>\n");
        int y = 36;
        for (Result r : all) {
            double w = 420 * r.median() / max;
            svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s %d B</text>%n", y + 15, r.receiver(),
                r.size()));
            svg.append(String.format(Locale.ROOT, "<rect x=\"230\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                y, w, bar, r.receiver().startsWith("zcnbrh") ? "#2b7bba" : "#999999"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.3f</text>%n", 235 + w, y + 15,
                r.median()));
            y += bar + 6;
        }
        svg.append("</svg>\n");
        Files.writeString(file, svg);
    }
}
