package io.zcnbrh.app;

import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * UDP ping-pong between the namespaces: a reflector inside the namespace echoes every datagram; each backend (and
 * the JDK's DatagramChannel) sends one, waits for its echo, and records the round trip in an HdrHistogram.
 */
final class LatencyBenchmark {
    static final Map<String, String> CLIENTS = new LinkedHashMap<>();

    static {
        CLIENTS.put("zcnbrh-afxdp", "afxdp:IFACE@0");
        CLIENTS.put("zcnbrh-afpacket", "afpacket:IFACE");
        CLIENTS.put("zcnbrh-iouring-udp", "iouring:udp:OUTER:9000->INNER:9100");
        CLIENTS.put("zcnbrh-socket-udp", "socket:udp:OUTER:9000->INNER:9100");
        CLIENTS.put("jdk-datagramchannel", null);
    }

    /** One client's round trips, and what its thread allocated per round trip while measuring. */
    record Result(String client, Histogram rtt, double allocPerRtt) {
    }

    /** Bytes this thread has allocated so far (the measuring loops must not allocate: it would add GC to the tail). */
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
            .getCurrentThreadAllocatedBytes();
    }

    private LatencyBenchmark() {
    }

    static List<Result> run(List<String> clients, int samples, int cpu) throws Exception {
        List<Result> out = new ArrayList<>();
        try (VethPair veth = new VethPair().withUdpPath()) {
            veth.withOuterAddress();
            VethPair.ip("-n", veth.netns, "neigh", "replace", veth.outerIp, "lladdr", VethPair.mac(veth.outer),
                "dev", veth.inner, "nud", "permanent");
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> reflector = CompletableFuture.runAsync(() -> NetNamespace.call(veth.netns, () -> {
                if (cpu >= 0) { // the reflector spins on the other core: it must not take the client's
                    io.zcnbrh.numa.CpuAffinity.pinCurrentThread(cpu == 0 ? 1 : 0);
                }
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ch.bind(new InetSocketAddress(veth.innerIp, 9100));
                    ch.configureBlocking(false);
                    ByteBuffer buf = ByteBuffer.allocateDirect(2048);
                    while (!stop.get()) {
                        buf.clear();
                        var from = ch.receive(buf);
                        if (from == null) {
                            Thread.onSpinWait();
                            continue;
                        }
                        buf.flip();
                        ch.send(buf, from);
                    }
                }
                return null;
            }));
            Thread.sleep(300);
            try {
                for (String c : clients) {
                    String pattern = CLIENTS.get(c);
                    if (!CLIENTS.containsKey(c)) {
                        throw new IllegalArgumentException("unknown client '" + c + "'; available: " + CLIENTS.keySet());
                    }
                    out.add(pattern == null ? datagramChannel(c, veth, samples, cpu)
                        : port(c, veth, pattern.replace("IFACE", veth.outer).replace("OUTER", veth.outerIp)
                            .replace("INNER", veth.innerIp), samples, cpu));
                }
            } finally {
                stop.set(true);
                reflector.join();
            }
        }
        return out;
    }

    private static Result datagramChannel(String client, VethPair veth, int samples, int cpu) throws IOException {
        if (cpu >= 0) {
            io.zcnbrh.numa.CpuAffinity.pinCurrentThread(cpu);
        }
        Histogram h = new Histogram(10_000_000_000L, 3);
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(veth.outerIp, 9000));
            ch.connect(new InetSocketAddress(veth.innerIp, 9100));
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(2048);
            long bytes = 0;
            for (int i = -samples / 10; i < samples; i++) {
                if (i == 0) {
                    bytes = allocated();
                }
                out.clear();
                out.putLong(0, i);
                long t0 = System.nanoTime();
                ch.write(out);
                in.clear();
                ch.read(in); // blocking: what a DatagramChannel user writes
                if (i >= 0) {
                    h.recordValue(System.nanoTime() - t0);
                }
            }
            return new Result(client, h, (double) (allocated() - bytes) / samples);
        }
    }

    private static Result port(String client, VethPair veth, String spec, int samples, int cpu) throws Exception {
        if (cpu >= 0) {
            io.zcnbrh.numa.CpuAffinity.pinCurrentThread(cpu);
        }
        Histogram h = new Histogram(10_000_000_000L, 3);
        try (Port port = Zcnbrh.open(spec, PortConfig.builder().ringSize(256).filter(spec.contains(":udp:") ? null
            : "udp src port 9100").build())) {
            boolean frames = port.content() == Port.Content.ETHERNET_FRAMES;
            byte[] dstMac = HexFormat.ofDelimiter(":").parseHex(veth.innerMac());
            byte[] srcMac = HexFormat.ofDelimiter(":").parseHex(VethPair.mac(veth.outer));
            byte[] srcIp = InetAddress.getByName(veth.outerIp).getAddress();
            byte[] dstIp = InetAddress.getByName(veth.innerIp).getAddress();
            int offset = frames ? UdpFlow.PAYLOAD_OFFSET : 0;
            long bytes = 0;
            for (int i = -samples / 10; i < samples; i++) {
                if (i == 0) {
                    bytes = allocated();
                }
                Packet p;
                while ((p = port.claim()) == null) {
                    port.flush();
                }
                UdpFlow.writeAt(p.segment(), offset, i, 64); // in place: a slice per round trip would allocate
                int len = frames ? UdpFrame.writeHeaders(p.segment(), dstMac, srcMac, srcIp, dstIp, 9000, 9100, 64) : 64;
                long t0 = System.nanoTime();
                port.transmit(p, len);
                port.flush();
                long deadline = t0 + 1_000_000_000L;
                boolean back = false;
                while (!back && System.nanoTime() < deadline) {
                    Packet r = port.poll();
                    if (r == null) {
                        continue; // spin: a latency client owns its core
                    }
                    back = UdpFlow.sequenceAt(r.segment(), offset) == i;
                    port.release(r);
                }
                if (back && i >= 0) {
                    h.recordValue(System.nanoTime() - t0);
                }
            }
            return new Result(client, h, (double) (allocated() - bytes) / samples);
        }
    }

    static void print(List<Result> results, boolean json) {
        if (!json) {
            System.out.printf(Locale.ROOT, "%-22s %8s %10s %10s %10s %10s %12s%n", "client", "samples", "p50 us", "p99 us",
                "p99.9 us", "max us", "B alloc/rtt");
        }
        for (Result r : results) {
            Histogram h = r.rtt();
            if (json) {
                System.out.printf(Locale.ROOT, "{\"client\":\"%s\",\"samples\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                    + "\"p999_us\":%.1f,\"max_us\":%.1f,\"alloc_bytes_per_rtt\":%.4f}%n", r.client(), h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, r.allocPerRtt());
            } else {
                System.out.printf(Locale.ROOT, "%-22s %8d %10.1f %10.1f %10.1f %10.1f %12.4f%n", r.client(),
                    h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, r.allocPerRtt());
            }
        }
    }
}
