package io.zcnbrh.bench;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.app.FwdCommand;
import io.zcnbrh.netlab.FrameCounter;
import io.zcnbrh.netlab.LiveFrameGenerator;
import io.zcnbrh.netlab.VethPair;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code zcnbrh bench forward}: the live-frames generator sends 64-byte UDP frames from the far end (CPU 0); on the
 * near end an AF_XDP port forwards every frame back out of the same port without copying it (a hairpin, CPU 1, the
 * near end's NAPI pinned there too); the far end counts what comes back in its XDP hook (its NAPI on CPU 0). Ours
 * ({@link FwdCommand.Hairpin}) against the C peer's {@code fwd} (libxdp: RX descriptor straight onto the TX ring),
 * alternating (ABBA), the generator's offered rate beside each.
 */
final class ForwardBenchmark {
    /** One forwarder in one round. */
    record Run(String forwarder, double arrivedPps, double offeredPps, double cpuNanosPerPacket, double allocPerPacket) {
    }

    private ForwardBenchmark() {
    }

    static List<Run> run(int rounds, double seconds, int generatorCpu, int forwarderCpu, boolean withC)
        throws Exception {
        Path cPeer = withC ? CPeer.build() : null;
        List<Run> out = new ArrayList<>();
        try (VethPair veth = new VethPair().withUdpPath();
             FrameCounter counter = FrameCounter.attach(veth.netns, veth.inner, "udp dst port 9000")) {
            if (generatorCpu >= 0) {
                veth.pinInnerNapi(generatorCpu);
            }
            byte[] frame = AfXdpBench.frame(veth);
            AfXdpBench.Placement at = new AfXdpBench.Placement(forwarderCpu, false);
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < (withC ? 2 : 1); k++) {
                    boolean ours = !withC || (k == 0) == (r % 2 == 0);
                    out.add(measure(ours ? "zcnbrh-afxdp" : "c-libxdp", veth, frame, counter, generatorCpu, at,
                        ours ? p -> hairpin(veth, seconds, p) : p -> {
                            try {
                                return CPeer.run(cPeer, "fwd", veth, AfXdpBench.ringSize, 2 * AfXdpBench.ringSize, seconds, 1, p, null);
                            } catch (Exception e) {
                                throw new IllegalStateException("C peer: " + e.getMessage(), e);
                            }
                        }, seconds));
                }
            }
        }
        return out;
    }

    /** The far end's count over the forwarder's measured window (after 1 s of warm-up), the generator running. */
    private static Run measure(String name, VethPair veth, byte[] frame, FrameCounter counter, int generatorCpu,
                               AfXdpBench.Placement at,
                               java.util.function.Function<AfXdpBench.Placement, AfXdpBench.Run> forwarder,
                               double seconds) throws Exception {
        AfXdpBench.Placement fresh = at.fresh();
        java.util.concurrent.CompletableFuture<AfXdpBench.Run> f =
            java.util.concurrent.CompletableFuture.supplyAsync(() -> forwarder.apply(fresh));
        AfXdpBench.awaitListening(fresh.ready(), f);
        LiveFrameGenerator gen = LiveFrameGenerator.start(veth, frame, generatorCpu,
            AfXdpBench.GENERATOR_BATCH);
        double arrived;
        AfXdpBench.Run run;
        try {
            Thread.sleep(1000);
            long c0 = counter.frames();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            arrived = (counter.frames() - c0) / ((System.nanoTime() - t0) / 1e9);
            run = f.get();
        } finally {
            gen.close();
        }
        return new Run(name, arrived, gen.offeredPps(), run.cpuNanosPerPacket(), run.allocatedBytesPerPacket());
    }

    private static AfXdpBench.Run hairpin(VethPair veth, double seconds, AfXdpBench.Placement at) {
        at.apply();
        try (Port port = Zcnbrh.open("afxdp:" + veth.outer + "@0", PortConfig.builder().ringSize(AfXdpBench.ringSize).txBatch(64).build())) {
            at.listening(veth);
            FwdCommand.Hairpin h = new FwdCommand.Hairpin(port, false);
            h.run(System.nanoTime() + 1_000_000_000L, p -> { });
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            long f0 = h.forwarded();
            long a0 = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            h.run(t0 + (long) (seconds * 1e9), p -> { });
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long n = h.forwarded() - f0;
            return new AfXdpBench.Run("zcnbrh-afxdp", n / elapsed, n == 0 ? Double.NaN
                : (double) (threads.getThreadAllocatedBytes(tid) - a0) / n,
                n == 0 ? Double.NaN : (double) (threads.getCurrentThreadCpuTime() - cpu0) / n, Double.NaN);
        }
    }

    static void print(List<Run> runs, boolean json) {
        for (Run r : runs) {
            if (json) {
                System.out.printf(Locale.ROOT, "{\"bench\":\"forward\",\"forwarder\":\"%s\",\"mpps\":%.4f,"
                    + "\"offered_mpps\":%.4f,\"ns_per_packet\":%.1f,\"alloc_bytes_per_packet\":%.4f}%n", r.forwarder(),
                    r.arrivedPps() / 1e6, r.offeredPps() / 1e6, r.cpuNanosPerPacket(), r.allocPerPacket());
            } else {
                System.out.printf(Locale.ROOT, "%-14s %.3f Mpps back at the far end of %.3f offered, %.0f ns CPU/packet, "
                    + "%.4f B/packet%n", r.forwarder(), r.arrivedPps() / 1e6, r.offeredPps() / 1e6,
                    r.cpuNanosPerPacket(), r.allocPerPacket());
            }
        }
        double ours = AfXdpBench.median(runs.stream().filter(r -> r.forwarder().startsWith("zcnbrh"))
            .mapToDouble(Run::arrivedPps).toArray());
        double[] c = runs.stream().filter(r -> r.forwarder().startsWith("c-")).mapToDouble(Run::arrivedPps).toArray();
        if (!json) {
            System.out.printf(Locale.ROOT, "median: zcnbrh-afxdp %.3f Mpps%s%n", ours / 1e6, c.length == 0 ? ""
                : String.format(Locale.ROOT, ", c-libxdp %.3f Mpps, ratio %.2f", AfXdpBench.median(c) / 1e6,
                ours / AfXdpBench.median(c)));
        }
    }
}
