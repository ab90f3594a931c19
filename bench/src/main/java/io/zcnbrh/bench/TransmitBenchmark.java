package io.zcnbrh.bench;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.app.Transmitter;
import io.zcnbrh.netlab.FrameCounter;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.numa.CpuAffinity;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;

import java.lang.management.ManagementFactory;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * {@code zcnbrh bench transmit}: every sender in turn puts 64-byte UDP frames (18-byte payloads, sequenced) on the
 * near end of one veth pair, as fast as it goes, pinned to one CPU; the far end counts what arrives in its XDP
 * hook ({@link FrameCounter}), its NAPI thread pinned to the other CPU. The rate is what arrived per second; beside
 * it the sender's CPU time and allocation per packet sent, and the ratio to DatagramChannel in the same run.
 * Rounds rotate the order of the senders, so each speed level the VM lands on is shared.
 */
final class TransmitBenchmark {
    /** Senders by name: the port spec they open, or a peer outside the library. */
    static final Map<String, String> SENDERS = new LinkedHashMap<>();
    static final int PAYLOAD = 18; // 42 bytes of headers + 18 = 60, a 64-byte frame on the wire with its FCS

    static {
        SENDERS.put("zcnbrh-afxdp", "afxdp:OUTER@0");
        SENDERS.put("zcnbrh-afpacket", "afpacket:OUTER");
        SENDERS.put("zcnbrh-iouring-udp", "iouring:udp:OUTERIP:9001->INNERIP:9000");
        SENDERS.put("zcnbrh-socket-udp", "socket:udp:OUTERIP:9001->INNERIP:9000");
        SENDERS.put("netty-epoll", "netty:epoll");
        SENDERS.put("jdk-datagramchannel", null);
        SENDERS.put("c-libxdp", "c");
    }

    static final List<String> QUICK = List.of("zcnbrh-afxdp", "jdk-datagramchannel");

    /** One sender in one round. */
    record Run(String sender, double arrivedPps, double sentPps, double cpuNanosPerPacket, double allocPerPacket) {
    }

    /** What a sender reports of its measured window. */
    private record Sent(long packets, long cpuNanos, long allocated) {
    }

    private TransmitBenchmark() {
    }

    static List<Run> run(List<String> senders, int rounds, double seconds, int senderCpu, int farCpu)
        throws Exception {
        for (String s : senders) {
            if (!SENDERS.containsKey(s)) {
                throw new IllegalArgumentException("unknown sender '" + s + "'; available: " + SENDERS.keySet());
            }
        }
        Path cPeer = senders.contains("c-libxdp") ? CPeer.build() : null;
        List<Run> out = new ArrayList<>();
        try (VethPair veth = new VethPair().withUdpPath().withOuterAddress();
             FrameCounter counter = FrameCounter.attach(veth.netns, veth.inner, "udp dst port 9000")) {
            VethPair.ip("neigh", "replace", veth.innerIp, "lladdr", veth.innerMac(), "dev", veth.outer, "nud",
                "permanent");
            if (farCpu >= 0) {
                veth.pinInnerNapi(farCpu);
            }
            byte[] headers = new byte[UdpFlow.PAYLOAD_OFFSET];
            UdpFrame.writeHeaders(MemorySegment.ofArray(headers), HexFormat.ofDelimiter(":").parseHex(veth.innerMac()),
                HexFormat.ofDelimiter(":").parseHex(VethPair.mac(veth.outer)),
                InetAddress.getByName(veth.outerIp).getAddress(),
                InetAddress.getByName(veth.innerIp).getAddress(), 9001, 9000, PAYLOAD);
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < senders.size(); k++) {
                    // rotate: round r starts with sender r, so no sender always runs first or last
                    String name = senders.get((k + round) % senders.size());
                    Run run = measure(name, veth, counter, headers, cPeer, seconds, senderCpu);
                    out.add(run);
                    System.err.printf(Locale.ROOT, "round %d: %s %.3f Mpps at the far end (%.3f sent), %.0f ns CPU/packet%n",
                        round + 1, name, run.arrivedPps() / 1e6, run.sentPps() / 1e6, run.cpuNanosPerPacket());
                }
            }
        }
        return out;
    }

    private static Run measure(String name, VethPair veth, FrameCounter counter, byte[] headers, Path cPeer,
                               double seconds, int cpu) throws Exception {
        double warmup = 1;
        if (name.equals("c-libxdp")) {
            byte[] frame = new byte[headers.length + PAYLOAD];
            System.arraycopy(headers, 0, frame, 0, headers.length);
            AfXdpBench.Placement at = new AfXdpBench.Placement(cpu, false);
            CompletableFuture<AfXdpBench.Run> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return CPeer.run(cPeer, "tx", veth, AfXdpBench.ringSize, 2 * AfXdpBench.ringSize, seconds, warmup, at, frame);
                } catch (Exception e) {
                    throw new IllegalStateException("C peer: " + e.getMessage(), e);
                }
            });
            double arrived = farEnd(counter, at.ready(), warmup, seconds, f);
            AfXdpBench.Run r = f.get();
            return new Run(name, arrived, r.pps(), r.cpuNanosPerPacket(), 0);
        }
        CountDownLatch ready = new CountDownLatch(1);
        String spec = SENDERS.get(name);
        if (name.startsWith("netty")) {
            CompletableFuture<long[]> f = CompletableFuture.supplyAsync(() -> {
                try {
                    return NettySender.run(veth, cpu, ready, warmup, seconds);
                } catch (Exception e) {
                    throw new IllegalStateException(name + ": " + e.getMessage(), e);
                }
            });
            double arrived = farEnd(counter, ready, warmup, seconds, f);
            long[] s = f.get();
            return new Run(name, arrived, s[0] / seconds, s[0] == 0 ? Double.NaN : (double) s[1] / s[0],
                s[0] == 0 ? Double.NaN : (double) s[2] / s[0]);
        }
        CompletableFuture<Sent> f = CompletableFuture.supplyAsync(() -> {
            try {
                if (cpu >= 0) {
                    CpuAffinity.pinCurrentThread(cpu);
                }
                return spec == null ? datagramChannel(veth, ready, warmup, seconds)
                    : port(spec.replace("OUTERIP", veth.outerIp).replace("INNERIP", veth.innerIp).replace("OUTER", veth.outer),
                        headers, ready, warmup, seconds);
            } catch (Exception e) {
                throw new IllegalStateException(name + ": " + e.getMessage(), e);
            }
        });
        double arrived = farEnd(counter, ready, warmup, seconds, f);
        Sent s = f.get();
        return new Run(name, arrived, s.packets() / seconds, s.packets() == 0 ? Double.NaN
            : (double) s.cpuNanos() / s.packets(), s.packets() == 0 ? Double.NaN : (double) s.allocated() / s.packets());
    }

    /** The far end's rate over the sender's measured window (after its warm-up). */
    private static double farEnd(FrameCounter counter, CountDownLatch ready, double warmup, double seconds,
                                 CompletableFuture<?> sender) throws Exception {
        AfXdpBench.awaitListening(ready, sender);
        Thread.sleep((long) (warmup * 1000));
        long c0 = counter.frames();
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long c1 = counter.frames();
        return (c1 - c0) / ((System.nanoTime() - t0) / 1e9);
    }

    private static Sent port(String spec, byte[] frameHeaders, CountDownLatch ready, double warmup, double seconds) {
        try (Port port = Zcnbrh.open(spec, PortConfig.builder().ringSize(AfXdpBench.ringSize).build())) {
            byte[] headers = port.content() == Port.Content.ETHERNET_FRAMES ? frameHeaders : new byte[0];
            Transmitter tx = new Transmitter(port, headers, PAYLOAD);
            ready.countDown();
            return measured(() -> tx.run(0, System.nanoTime() + (long) (warmup * 1e9), 0, p -> { }),
                () -> tx.run(0, System.nanoTime() + (long) (seconds * 1e9), 0, p -> { }), tx::sent);
        }
    }

    private static Sent datagramChannel(VethPair veth, CountDownLatch ready, double warmup, double seconds) throws Exception {
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(veth.outerIp, 9001));
            ch.connect(new InetSocketAddress(veth.innerIp, 9000));
            ByteBuffer buf = ByteBuffer.allocateDirect(PAYLOAD);
            long[] seq = {0};
            Runnable send = () -> {
                buf.clear();
                buf.putLong(0, seq[0]++);
                try {
                    ch.write(buf);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            ready.countDown();
            long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
            return measured(() -> {
                while (System.nanoTime() < warmEnd) {
                    send.run();
                }
            }, () -> {
                long end = System.nanoTime() + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    send.run();
                }
            }, () -> seq[0]);
        }
    }

    /** Runs {@code warm}, then {@code measure} with the thread's CPU time and allocation counted around it. */
    private static Sent measured(Runnable warm, Runnable measure, java.util.function.LongSupplier sent) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        warm.run();
        long n0 = sent.getAsLong();
        long a0 = threads.getThreadAllocatedBytes(tid);
        long c0 = threads.getCurrentThreadCpuTime();
        measure.run();
        return new Sent(sent.getAsLong() - n0, threads.getCurrentThreadCpuTime() - c0,
            threads.getThreadAllocatedBytes(tid) - a0);
    }

    /** Median arrived Mpps, ns CPU and allocation per packet, and the ratio to DatagramChannel, per sender. */
    static void print(List<Run> runs, boolean json) {
        Map<String, List<Run>> by = new LinkedHashMap<>();
        for (Run r : runs) {
            by.computeIfAbsent(r.sender(), k -> new ArrayList<>()).add(r);
        }
        List<Run> jdk = by.get("jdk-datagramchannel");
        double jdkMedian = jdk == null ? Double.NaN : AfXdpBench.median(jdk.stream().mapToDouble(Run::arrivedPps)
            .toArray());
        if (!json) {
            System.out.printf(Locale.ROOT, "%-22s %9s %17s %10s %9s %10s %9s%n", "sender", "Mpps", "(min-max)",
                "sent Mpps", "ns CPU/p", "B alloc/p", "x DGChan");
        }
        for (Map.Entry<String, List<Run>> e : by.entrySet()) {
            double[] arrived = e.getValue().stream().mapToDouble(Run::arrivedPps).sorted().toArray();
            double median = AfXdpBench.median(arrived);
            double sent = AfXdpBench.median(e.getValue().stream().mapToDouble(Run::sentPps).toArray());
            double cpu = AfXdpBench.median(e.getValue().stream().mapToDouble(Run::cpuNanosPerPacket).toArray());
            double alloc = AfXdpBench.median(e.getValue().stream().mapToDouble(Run::allocPerPacket).toArray());
            if (json) {
                System.out.printf(Locale.ROOT, "{\"sender\":\"%s\",\"mpps\":%.4f,\"mpps_min\":%.4f,\"mpps_max\":%.4f,"
                    + "\"sent_mpps\":%.4f,\"rounds\":%d,\"ns_per_packet\":%.1f,\"alloc_bytes_per_packet\":%.4f,"
                    + "\"ratio_vs_datagramchannel\":%.3f}%n", e.getKey(), median / 1e6, arrived[0] / 1e6,
                    arrived[arrived.length - 1] / 1e6, sent / 1e6, arrived.length, cpu, alloc, median / jdkMedian);
            } else {
                System.out.printf(Locale.ROOT, "%-22s %9.3f %17s %10.3f %9.0f %10.4f %9.2f%n", e.getKey(), median / 1e6,
                    String.format(Locale.ROOT, "(%.3f-%.3f)", arrived[0] / 1e6, arrived[arrived.length - 1] / 1e6),
                    sent / 1e6, cpu, alloc, median / jdkMedian);
            }
        }
    }
}
