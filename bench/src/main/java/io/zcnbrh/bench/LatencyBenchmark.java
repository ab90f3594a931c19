package io.zcnbrh.bench;

import io.zcnbrh.AfXdpOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.netlab.UdpReflector;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.numa.CpuAffinity;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;
import io.zcnbrh.netty.ZcnbrhChannelOption;
import io.zcnbrh.netty.ZcnbrhDatagramChannel;
import io.zcnbrh.netty.ZcnbrhIoHandler;
import io.zcnbrh.udp.UdpDatagramHandler;
import io.zcnbrh.udp.UdpSocket;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * UDP ping-pong between the namespaces: a reflector inside the namespace echoes every datagram; each client (every
 * backend in its default and in its latency mode, the JDK's DatagramChannel, and plain C clients) sends one, waits
 * for its echo, and records the round trip in an HdrHistogram. The clients warm up for a time, not a count, and
 * until the JIT has been quiet for half a second (a compilation during the measurement took a core from a
 * spinning thread for a 4 ms scheduler slice and was the whole p99.9 before); they measure what their thread
 * allocates and the CPU it burns, and the reflector measures its own share (receive returned to send returned).
 */
final class LatencyBenchmark {
    /** Client name: its port spec pattern (null: not a zcnbrh port). */
    static final Map<String, String> CLIENTS = new LinkedHashMap<>();

    static {
        String[][] backends = {{"afxdp", "afxdp:IFACE@0"}, {"afpacket", "afpacket:IFACE"},
            {"iouring-udp", "iouring:udp:OUTER:9000->INNER:9100"}, {"socket-udp", "socket:udp:OUTER:9000->INNER:9100"}};
        for (String[] b : backends) {
            CLIENTS.put("zcnbrh-" + b[0], b[1]);
            CLIENTS.put("zcnbrh-" + b[0] + "-latency", b[1]);
        }
        CLIENTS.put("udp-zcnbrh", "udp:afxdp:IFACE@0");
        CLIENTS.put("udp-zcnbrh-latency", "udp:afxdp:IFACE@0");
        CLIENTS.put("netty-zcnbrh", "netty:zcnbrh");
        CLIENTS.put("netty-epoll", "netty:epoll");
        CLIENTS.put("netty-io_uring", "netty:io_uring");
        CLIENTS.put("jdk-datagramchannel", null);
        CLIENTS.put("c-udp-blocking", null);
        CLIENTS.put("c-udp-busypoll", null);
    }

    private static final java.lang.management.CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * One client's round trips; what its thread allocated per round trip and the CPU it used while measuring (100:
     * a whole core); the reflector's own time per echo; echoes that never came back; its mode line; the window.
     */
    record Result(String client, Histogram rtt, double allocPerRtt, double cpuPercent, Histogram reflector, long lost,
                  String mode, Instant from, Instant to) {
    }

    /**
     * How to run: round trips measured, warm-up seconds, the client's CPU (-1: any), AF_XDP busy poll (0: off), and
     * the reflector: a spinning DatagramChannel on the other core ({@code socket}) or an XDP program that echoes in
     * the kernel ({@code xdp}, {@link io.zcnbrh.netlab.UdpReflector}: the whole round trip on the client's core).
     */
    record Settings(int samples, double warmupSeconds, int cpu, int busyPollMicros, String reflector) {
        Settings {
            if (!reflector.equals("socket") && !reflector.equals("xdp")) {
                throw new IllegalArgumentException("reflector is socket or xdp, not '" + reflector + "'");
            }
        }
    }

    private LatencyBenchmark() {
    }

    static List<Result> run(List<String> clients, Settings s) throws Exception {
        for (String c : clients) {
            if (!CLIENTS.containsKey(c)) {
                throw new IllegalArgumentException("unknown client '" + c + "'; available: " + CLIENTS.keySet());
            }
        }
        Path cClient = clients.stream().anyMatch(c -> c.startsWith("c-")) ? CPeer.build("udp_pingpong") : null;
        List<Result> out = new ArrayList<>();
        try (VethPair veth = new VethPair().withUdpPath()) {
            veth.withOuterAddress();
            VethPair.ip("-n", veth.netns, "neigh", "replace", veth.outerIp, "lladdr", VethPair.mac(veth.outer),
                "dev", veth.inner, "nud", "permanent");
            AtomicBoolean stop = new AtomicBoolean();
            Recorder reflectorTime = new Recorder(3);
            boolean inKernel = s.reflector().equals("xdp");
            UdpReflector xdp = inKernel ? UdpReflector.attach(veth.netns, veth.inner,
                9100) : null;
            CompletableFuture<Void> reflector = inKernel ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(() -> NetNamespace.call(veth.netns, () -> {
                    reflect(veth, s.cpu(), stop, reflectorTime);
                    return null;
                }));
            Thread.sleep(300);
            try {
                for (String c : clients) {
                    String pattern = CLIENTS.get(c);
                    reflectorTime.getIntervalHistogram(); // the warm-up's echoes are not this client's
                    Result r;
                    if (c.startsWith("c-")) {
                        r = cClient(c, cClient, veth, s, reflectorTime);
                    } else if (pattern == null) {
                        r = datagramChannel(c, veth, s, reflectorTime);
                    } else if (pattern.startsWith("netty:")) {
                        r = netty(c, pattern.substring(6), veth, s, reflectorTime);
                    } else if (pattern.startsWith("udp:")) {
                        r = udpSocket(c, veth, c.endsWith("-latency"), s, reflectorTime);
                    } else {
                        r = port(c, veth, pattern.replace("IFACE", veth.outer).replace("OUTER", veth.outerIp)
                            .replace("INNER", veth.innerIp), c.endsWith("-latency"), s, reflectorTime);
                    }
                    out.add(r);
                }
            } finally {
                stop.set(true);
                reflector.join();
                if (xdp != null) {
                    xdp.close();
                }
            }
        }
        return out;
    }

    /** Echoes every datagram, spinning on the client's other core; records its own time from receive to send. */
    private static void reflect(VethPair veth, int cpu, AtomicBoolean stop, Recorder time) throws IOException {
        if (cpu >= 0) { // the reflector spins on the other core: it must not take the client's
            CpuAffinity.pinCurrentThread(cpu == 0 ? 1 : 0);
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
                long t0 = System.nanoTime();
                buf.flip();
                ch.send(buf, from);
                time.recordValue(System.nanoTime() - t0);
            }
        }
    }

    /** One client's round trip: sends datagram {@code seq}, waits for its echo; the nanoseconds taken, or -1 if lost. */
    private interface RoundTrip {
        long run(long seq) throws IOException;
    }

    /**
     * Warms {@code trip} up with runs of the very measuring method (every branch the measurement takes is taken in
     * the warm-up, so nothing is deoptimised and recompiled when measuring starts) for the set time and until a run
     * saw no JIT compilation at all (or ten warm-ups more have passed); then measures runs of {@code samples}
     * round trips until one is free of
     * compilations too (at most three), and returns that one. A compilation during the measurement shares a
     * spinning client's core for a scheduler slice (4 ms here) and was the whole p99.9 before.
     */
    private static Result measure(String client, RoundTrip trip, Settings s, Recorder reflector, String mode)
        throws IOException {
        Histogram h = new Histogram(10_000_000_000L, 3);
        long[] seq = {0};
        long warmEnd = System.nanoTime() + (long) (s.warmupSeconds() * 1e9);
        // a JVM that keeps compiling (a coverage agent, other work) is given ten warm-ups more, at least 2 s
        long giveUp = warmEnd + Math.max(2_000_000_000L, 10 * (long) (s.warmupSeconds() * 1e9));
        boolean quiet = false;
        while (!quiet || System.nanoTime() < warmEnd) {
            long before = JIT.getTotalCompilationTime();
            run(trip, Math.min(s.samples(), 2000), h, seq);
            quiet = JIT.getTotalCompilationTime() == before || System.nanoTime() > giveUp;
        }
        Run measured = null;
        boolean jitQuiet = false;
        Instant from = null;
        Histogram reflected = null;
        for (int attempt = 0; attempt < 3 && !jitQuiet; attempt++) {
            reflector.getIntervalHistogram(); // only the measured run's echoes
            long before = JIT.getTotalCompilationTime();
            from = Instant.now();
            measured = run(trip, s.samples(), h, seq);
            jitQuiet = JIT.getTotalCompilationTime() == before;
            reflected = reflector.getIntervalHistogram();
        }
        return new Result(client, h, measured.allocPerRtt(), measured.cpuPercent(), reflected, measured.lost(),
            jitQuiet ? mode : mode + " [the JIT compiled during all three runs]", from, Instant.now());
    }

    /** What one run measured besides the round trips (which are in the histogram). */
    private record Run(double allocPerRtt, double cpuPercent, long lost) {
    }

    /** {@code samples} round trips into {@code h} (emptied first); allocation counted over the second half. */
    private static Run run(RoundTrip trip, int samples, Histogram h, long[] seq) throws IOException {
        h.reset();
        long wallStart = System.nanoTime();
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long lost = 0;
        long allocStart = 0;
        int half = samples / 2;
        for (int i = 0; i < samples; i++) {
            if (i == half) {
                allocStart = THREADS.getCurrentThreadAllocatedBytes(); // a client's first calls may allocate once
            }
            long rtt = trip.run(++seq[0]);
            if (rtt >= 0) {
                h.recordValue(rtt);
            } else {
                lost++;
            }
        }
        long allocEnd = THREADS.getCurrentThreadAllocatedBytes(); // first, before anything else allocates
        long cpuEnd = THREADS.getCurrentThreadCpuTime();
        long wallEnd = System.nanoTime();
        return new Run((double) (allocEnd - allocStart) / (samples - half),
            100.0 * (cpuEnd - cpuStart) / (wallEnd - wallStart), lost);
    }

    private static Result datagramChannel(String client, VethPair veth, Settings s, Recorder reflector)
        throws IOException {
        pin(s.cpu());
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress(veth.outerIp, 9000));
            ch.connect(new InetSocketAddress(veth.innerIp, 9100));
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(2048);
            return measure(client, seq -> {
                out.clear();
                out.putLong(0, seq);
                long t0 = System.nanoTime();
                ch.write(out);
                do {
                    in.clear();
                    ch.read(in); // blocking: what a DatagramChannel user writes
                } while (in.getLong(0) != seq); // a late echo of an earlier one is skipped
                return System.nanoTime() - t0;
            }, s, reflector, "blocking read()");
        }
    }

    /**
     * A Netty client, ours ({@code netty-zcnbrh}: ZcnbrhDatagramChannel on ZcnbrhIoHandler over AF_XDP) or Netty's
     * epoll or io_uring transport, used as Netty is: the measured thread writes a DatagramPacket, the event loop sends it and
     * receives the echo, whose handler wakes the measured thread (parked meanwhile). The I/O runs on the event loop,
     * so the CPU and allocation columns are the measured thread's share only.
     */
    private static Result netty(String client, String transport, VethPair veth, Settings s, Recorder reflector)
        throws Exception {
        boolean ours = transport.equals("zcnbrh");
        boolean uring = transport.equals("io_uring");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ours ? ZcnbrhIoHandler.newFactory()
            : uring ? IoUringIoHandler.newFactory() : EpollIoHandler.newFactory());
        try {
            pin(s.cpu());
            AtomicLong echoed = new AtomicLong(-1);
            Thread caller = Thread.currentThread();
            Bootstrap b = new Bootstrap().group(group).handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                    echoed.set(packet.content().getLong(packet.content().readerIndex()));
                    LockSupport.unpark(caller);
                }
            });
            if (ours) {
                b.channel(ZcnbrhDatagramChannel.class)
                    .option(ZcnbrhChannelOption.PORT_SPEC, "afxdp:" + veth.outer + "@0")
                    .option(ZcnbrhChannelOption.PORT_CONFIG, PortConfig.builder().ringSize(256).build());
            } else {
                b.channel(uring ? IoUringDatagramChannel.class : EpollDatagramChannel.class);
            }
            Channel ch = b.bind(new InetSocketAddress(veth.outerIp, 9000)).sync().channel();
            try {
                InetSocketAddress peer = new InetSocketAddress(veth.innerIp, 9100);
                return measure(client, seq -> {
                    ByteBuf out = ch.alloc().directBuffer(64).writeLong(seq).writeZero(56);
                    long t0 = System.nanoTime();
                    ch.writeAndFlush(new DatagramPacket(out, peer));
                    long deadline = t0 + 1_000_000_000L;
                    while (echoed.get() != seq) {
                        if (System.nanoTime() > deadline) {
                            return -1;
                        }
                        LockSupport.parkNanos(50_000);
                    }
                    return System.nanoTime() - t0;
                }, s, reflector, ch + " (I/O on the event loop; the measured thread waits parked)");
            } finally {
                ch.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * The {@link UdpSocket} facade over AF_XDP, used as a DatagramChannel is: send a datagram, then receive its echo
     * (in place, through the socket's view) with the port's own wait.
     */
    private static Result udpSocket(String client, VethPair veth, boolean latencyMode, Settings s, Recorder reflector)
        throws Exception {
        pin(s.cpu());
        PortConfig.Builder config = PortConfig.builder().ringSize(256).latencyMode(latencyMode);
        if (s.busyPollMicros() > 0) {
            config.afXdp(AfXdpOptions.defaults().withBusyPoll(s.busyPollMicros(), 64, true));
        }
        try (UdpSocket socket = UdpSocket.open("afxdp:" + veth.outer + "@0",
            new InetSocketAddress(veth.outerIp, 9000), config.build())) {
            InetSocketAddress peer = new InetSocketAddress(veth.innerIp, 9100);
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            MemorySegment payload = MemorySegment.ofBuffer(out);
            long[] echoed = {-1};
            UdpDatagramHandler read = d -> echoed[0] = UdpFlow.sequenceAt(d.frame(), d.payloadOffset());
            return measure(client, seq -> {
                out.clear();
                UdpFlow.write(payload, seq, 64);
                long t0 = System.nanoTime();
                socket.send(out, peer);
                socket.flush();
                long deadline = t0 + 1_000_000_000L;
                while (System.nanoTime() < deadline) {
                    echoed[0] = -1;
                    if (socket.receive(read, 1) == 0) {
                        socket.port().awaitPackets(100_000_000);
                    } else if (echoed[0] == seq) {
                        return System.nanoTime() - t0;
                    }
                }
                return -1;
            }, s, reflector, socket + ": " + socket.port());
        }
    }

    private static Result port(String client, VethPair veth, String spec, boolean latencyMode, Settings s,
                               Recorder reflector) throws Exception {
        pin(s.cpu());
        PortConfig.Builder config = PortConfig.builder().ringSize(256).latencyMode(latencyMode)
            .filter(spec.contains(":udp:") ? null : "udp src port 9100");
        if (s.busyPollMicros() > 0 && spec.startsWith("afxdp:")) {
            config.afXdp(AfXdpOptions.defaults().withBusyPoll(s.busyPollMicros(), 64, true));
        }
        try (Port port = Zcnbrh.open(spec, config.build())) {
            return measure(client, new PortRoundTrip(port, veth), s, reflector, port.toString());
        }
    }

    /** A round trip through a zcnbrh port: claim, write in place, transmit, then poll with the port's own wait. */
    private static final class PortRoundTrip implements RoundTrip {
        private final Port port;
        private final boolean frames;
        private final int offset;
        private final byte[] dstMac;
        private final byte[] srcMac;
        private final byte[] srcIp;
        private final byte[] dstIp;

        PortRoundTrip(Port port, VethPair veth) throws IOException {
            this.port = port;
            this.frames = port.content() == Port.Content.ETHERNET_FRAMES;
            this.offset = frames ? UdpFlow.PAYLOAD_OFFSET : 0;
            this.dstMac = HexFormat.ofDelimiter(":").parseHex(veth.innerMac());
            this.srcMac = HexFormat.ofDelimiter(":").parseHex(VethPair.mac(veth.outer));
            this.srcIp = InetAddress.getByName(veth.outerIp).getAddress();
            this.dstIp = InetAddress.getByName(veth.innerIp).getAddress();
        }

        @Override
        public long run(long seq) {
            Packet p;
            while ((p = port.claim()) == null) {
                port.flush();
            }
            UdpFlow.writeAt(p.segment(), offset, seq, 64); // in place: a slice per round trip would allocate
            int len = frames ? UdpFrame.writeHeaders(p.segment(), dstMac, srcMac, srcIp, dstIp, 9000, 9100, 64) : 64;
            long t0 = System.nanoTime();
            port.transmit(p, len);
            port.flush();
            long deadline = t0 + 1_000_000_000L;
            while (System.nanoTime() < deadline) {
                Packet r = port.poll();
                if (r == null) {
                    port.awaitPackets(100_000_000); // the port's own wait: sleeps, or spins in latency mode
                    continue;
                }
                boolean back = UdpFlow.sequenceAt(r.segment(), offset) == seq;
                port.release(r);
                if (back) {
                    return System.nanoTime() - t0;
                }
            }
            return -1;
        }
    }

    /** The plain C client (bench/peers/udp_pingpong.c) pinned to the client's CPU, its round trips read back. */
    private static Result cClient(String client, Path binary, VethPair veth, Settings s, Recorder reflector)
        throws IOException, InterruptedException {
        String mode = client.equals("c-udp-busypoll") ? "busypoll" : "blocking";
        List<String> cmd = new ArrayList<>();
        if (s.cpu() >= 0) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(s.cpu())));
        }
        cmd.addAll(List.of(binary.toString(), mode, veth.outerIp, "9000", veth.innerIp, "9100",
            Double.toString(s.warmupSeconds()), Integer.toString(s.samples())));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Histogram h = new Histogram(10_000_000_000L, 3);
        Instant from = Instant.now();
        double cpu = Double.NaN;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            if (!"ready".equals(line)) {
                throw new IllegalStateException("the C client did not start: " + line);
            }
            long wallStart = System.nanoTime();
            while ((line = in.readLine()) != null && !line.startsWith("done")) {
                h.recordValue(Long.parseLong(line));
            }
            if (line == null) {
                throw new IllegalStateException("the C client ended without its result");
            }
            // CPU over the measured part: the warm-up's wall time is taken out by the client's own clock
            long cpuNs = Long.parseLong(line.substring(line.indexOf('=') + 1));
            double measuredWall = Math.max(1, (System.nanoTime() - wallStart) - s.warmupSeconds() * 1e9);
            cpu = Math.min(100.0, 100.0 * cpuNs / measuredWall);
        } finally {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        return new Result(client, h, 0, cpu, reflector.getIntervalHistogram(), 0, "bench/peers/udp_pingpong.c "
            + mode, from, Instant.now());
    }

    private static void pin(int cpu) {
        if (cpu >= 0) {
            CpuAffinity.pinCurrentThread(cpu);
        }
    }

    static void print(List<Result> results, boolean json) {
        if (!json) {
            System.out.printf(Locale.ROOT, "%-26s %8s %8s %8s %9s %9s %6s %10s %14s%n", "client", "samples", "p50 us",
                "p99 us", "p99.9 us", "max us", "cpu %", "B/rtt", "refl p50/p99.9");
        }
        for (Result r : results) {
            Histogram h = r.rtt();
            Histogram f = r.reflector();
            boolean refl = f.getTotalCount() > 0; // none with the XDP reflector: it runs in the kernel
            if (json) {
                System.out.printf(Locale.ROOT, "{\"client\":\"%s\",\"samples\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                    + "\"p999_us\":%.1f,\"max_us\":%.1f,\"alloc_bytes_per_rtt\":%.4f,\"cpu_percent\":%.1f,"
                    + "\"lost\":%d,\"reflector_p50_us\":%s,\"reflector_p999_us\":%s,\"mode\":\"%s\"}%n",
                    r.client(), h.getTotalCount(), us(h, 50), us(h, 99), us(h, 99.9), h.getMaxValue() / 1e3,
                    r.allocPerRtt(), r.cpuPercent(), r.lost(), refl ? String.format(Locale.ROOT, "%.1f", us(f, 50))
                        : "null", refl ? String.format(Locale.ROOT, "%.1f", us(f, 99.9)) : "null",
                    r.mode().replace("\\", "\\\\").replace("\"", "\\\""));
            } else {
                System.out.printf(Locale.ROOT, "%-26s %8d %8.1f %8.1f %9.1f %9.1f %6.0f %10.4f %14s%s%n",
                    r.client(), h.getTotalCount(), us(h, 50), us(h, 99), us(h, 99.9), h.getMaxValue() / 1e3,
                    r.cpuPercent(), r.allocPerRtt(), refl ? String.format(Locale.ROOT, "%.1f/%.1f", us(f, 50),
                        us(f, 99.9)) : "in kernel", r.lost() > 0 ? "  lost " + r.lost() : "");
            }
        }
    }

    private static double us(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }
}
