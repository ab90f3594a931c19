package io.zcnbrh.app;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.PortConfig;
import io.zcnbrh.PortCounters;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The AF_XDP demo: a veth pair with one end in a namespace of its own, UDP sent from that namespace by the
 * kernel's socket path, received here with AF_XDP from the UMEM and checked (order, every byte); then the
 * rate, the mode, the drops and the audit, and everything removed.
 */
final class AfXdpDemo {
    private static final int PORT = 9000;

    private AfXdpDemo() {
    }

    /** Checks the flow's order and payload; releases happen in the batch form. */
    static final class FlowCheck implements PacketHandler {
        long packets;
        long other;
        long outOfOrder;
        long corrupt;
        long last = -1;

        @Override
        public void onPacket(Packet p) {
            if (!UdpFlow.isFlow(p.segment(), p.length(), PORT)) {
                other++;
                return;
            }
            long seq = UdpFlow.sequence(p.segment());
            if (seq <= last) {
                outOfOrder++;
            }
            last = seq;
            if (!UdpFlow.payloadMatches(p.segment(), p.length())) {
                corrupt++;
            }
            packets++;
        }
    }

    static int run(double seconds, String filter) throws Exception {
        PortConfig config = PortConfig.builder().ringSize(2048).filter(filter).build();
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer + "@0", config)) {
            System.out.println("demo: veth " + veth.outer + " <-> " + veth.inner + " (namespace " + veth.netns + ")");
            System.out.println("demo: " + port.modeLine());
            System.out.println("demo: " + (config.filter() == null ? "no filter: every frame goes to the socket"
                : "filter '" + config.filter().expression() + "' compiled into the XDP program: matching frames to the "
                + "socket, the rest to the kernel stack"));
            System.out.println("demo: sending 64-byte UDP frames from " + veth.innerIp + " in " + veth.netns
                + " to " + veth.outerIp + ":" + PORT + " for " + seconds + " s");
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() -> UdpFlow.send(veth.netns,
                veth.outerIp, PORT, Long.MAX_VALUE, 64 - UdpFlow.PAYLOAD_OFFSET, (long) (seconds * 1e9)));
            FlowCheck check = new FlowCheck();
            long start = System.nanoTime();
            long quietSince = 0;
            while (true) {
                int n = port.poll(check, 256);
                if (n > 0) {
                    quietSince = 0;
                    continue;
                }
                if (sender.isDone()) {
                    if (quietSince == 0) {
                        quietSince = System.nanoTime();
                    } else if (System.nanoTime() - quietSince > 200_000_000L) {
                        break;
                    }
                }
                port.awaitPackets(1_000_000);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long sent = sender.get(10, TimeUnit.SECONDS);
            PortCounters c = port.counters();
            long kernelDrops = c.get(Counter.XDP_RX_DROPPED) + c.get(Counter.XDP_RX_RING_FULL);
            AuditReport audit = port.audit();
            System.out.printf("demo: sent %d, received %d in order=%s, payload=%s (+%d other frames), %.3f Mpps%n",
                sent, check.packets, check.outOfOrder == 0 ? "ok" : check.outOfOrder + " out of order",
                check.corrupt == 0 ? "ok" : check.corrupt + " corrupt", check.other, check.packets / elapsed / 1e6);
            System.out.println("demo: kernel drops " + kernelDrops + " (xdp_rx_dropped " + c.get(Counter.XDP_RX_DROPPED)
                + ", rx_ring_full " + c.get(Counter.XDP_RX_RING_FULL) + ", fill_ring_empty "
                + c.get(Counter.XDP_FILL_RING_EMPTY) + "); not sent on by the sender's stack: " + (sent - check.packets
                - kernelDrops));
            if (config.filter() != null) {
                System.out.println("demo: filter verdicts: socket " + c.get(Counter.FILTER_SOCKET) + ", kernel stack "
                    + c.get(Counter.FILTER_PASS) + ", drop " + c.get(Counter.FILTER_DROP));
            }
            System.out.println("demo: counters " + c);
            System.out.println("demo: audit " + audit);
            boolean ok = audit.ok() && check.outOfOrder == 0 && check.corrupt == 0 && check.packets > 0;
            String mode = port.zeroCopy() ? "zerocopy" : "copy";
            port.close();
            System.out.println("demo: removed the XDP program, the socket, the veth pair and the namespace");
            veth.close();
            System.out.println("demo: backend=afxdp mode=" + mode + " packets=" + check.packets + " audit="
                + (ok ? "ok" : "FAILED"));
            return ok ? 0 : 1;
        }
    }
}
