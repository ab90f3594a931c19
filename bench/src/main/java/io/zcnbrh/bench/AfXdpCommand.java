package io.zcnbrh.bench;

import io.zcnbrh.netlab.VethPair;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code zcnbrh bench afxdp}: AF_XDP against one peer (DatagramChannel, the C libxdp receiver or the kernel's own
 * XDP_DROP), the same generator, in ABBA order across rounds (A first in odd rounds, B first in even ones), so a
 * speed level the VM lands on is shared by both.
 */
@Command(name = "afxdp", mixinStandardHelpOptions = true,
    description = "AF_XDP receive against one peer (jdk, c or xdp-drop), alternating rounds.")
final class AfXdpCommand implements Callable<Integer> {
    @Mixin
    VethRunOptions run;
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--against", defaultValue = "jdk",
        description = "the peer measured in the same run: jdk (DatagramChannel), c (a libxdp receiver, "
            + "bench/peers/xsk_peer.c, built with gcc) or xdp-drop (the kernel dropping in XDP)")
    String against;

    @Override
    public Integer call() throws Exception {
        run.ring.apply();
        System.out.printf(Locale.ROOT, "bench afxdp: 64-byte UDP, live-frames XDP_TX generator on CPU %s, receivers "
            + "and the outer end's threaded NAPI on CPU %s, idle receiver: %s, %d round(s) of %.1f s%n",
            PlacementOptions.describe(run.at.generator()),
            PlacementOptions.describe(run.at.receiver()), run.at.receiverIdle, run.rounds.rounds, run.rounds.seconds);
        AfXdpBench.Run[] ours = new AfXdpBench.Run[run.rounds.rounds];
        AfXdpBench.Run[] peer = new AfXdpBench.Run[run.rounds.rounds];
        if (!List.of("jdk", "c", "xdp-drop").contains(against)) {
            throw new IllegalArgumentException("--against must be jdk, c or xdp-drop, was '" + against + "'");
        }
        java.nio.file.Path cPeer = against.equals("c") ? CPeer.build() : null;
        String peerName = cPeer != null ? "C libxdp" : against.equals("xdp-drop") ? "kernel XDP_DROP"
            : "DatagramChannel";
        try (VethPair veth = new VethPair().withUdpPath()) {
            byte[] frame = AfXdpBench.frame(veth);
            AfXdpBench.Placement where = run.at.placement(spec.commandLine());
            for (int r = 0; r < run.rounds.rounds; r++) {
                for (int k = 0; k < 2; k++) {
                    boolean oursNow = (k == 0) == (r % 2 == 0);
                    if (oursNow) {
                        ours[r] = AfXdpBench.measure(veth, frame, run.at.generator(), where, p -> AfXdpBench.port(
                            "zcnbrh-afxdp", veth, "afxdp:" + veth.outer + "@0", run.rounds.seconds, 1, p));
                    } else {
                        peer[r] = AfXdpBench.measure(veth, frame, run.at.generator(), where, p -> {
                            try {
                                return cPeer != null ? CPeer.run(cPeer, "rx", veth, AfXdpBench.ringSize, 2 * AfXdpBench.ringSize,
                                    run.rounds.seconds, 1, p, null)
                                    : against.equals("xdp-drop") ? AfXdpBench.xdpDrop(veth, run.rounds.seconds, 1, p)
                                    : AfXdpBench.datagramChannel(veth, run.rounds.seconds, 1, p);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    }
                }
                for (AfXdpBench.Run one : new AfXdpBench.Run[] {ours[r], peer[r]}) {
                    if (run.out.json) {
                        System.out.printf(Locale.ROOT, "{\"bench\":\"afxdp\",\"impl\":\"%s\",\"round\":%d,"
                            + "\"mpps\":%.4f,\"offered_mpps\":%.4f,\"generator_bound\":%s,"
                            + "\"alloc_bytes_per_packet\":%.4f,\"receiver_cpu_ns_per_packet\":%.0f}%n", one.impl(),
                            r + 1, one.pps() / 1e6, one.offeredPps() / 1e6, one.generatorBound(),
                            one.allocatedBytesPerPacket(), one.cpuNanosPerPacket());
                    }
                }
                if (!run.out.json) {
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
        double[] ratios = new double[run.rounds.rounds];
        for (int r = 0; r < run.rounds.rounds; r++) {
            ratios[r] = ours[r].pps() / peer[r].pps();
        }
        if (!run.out.json) {
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
}
