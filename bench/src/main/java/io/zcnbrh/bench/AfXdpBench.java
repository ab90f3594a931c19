package io.zcnbrh.bench;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.app.RxCommand;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.netlab.FrameCounter;
import io.zcnbrh.netlab.LiveFrameGenerator;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.numa.CpuAffinity;
import io.zcnbrh.perf.CycleCounter;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Receive rate of 64-byte UDP frames on one veth end: AF_XDP (this library) against the JDK's DatagramChannel,
 * with the same traffic generator in the same run. The generator is the kernel itself: an XDP_TX program run in
 * BPF_PROG_TEST_RUN's live-frames mode on the other end of the pair (inside its namespace), so the sender is
 * never the bottleneck of either receiver.
 */
final class AfXdpBench {
    static final int PORT = 9000;

    /** One measurement. */
    record Run(String impl, double pps, double allocatedBytesPerPacket, double cpuNanosPerPacket, double busyPercent,
               double cyclesPerPacket, double offeredPps) {
        Run(String impl, double pps, double allocatedBytesPerPacket, double cpuNanosPerPacket, double busyPercent) {
            this(impl, pps, allocatedBytesPerPacket, cpuNanosPerPacket, busyPercent, Double.NaN, Double.NaN);
        }

        Run(String impl, double pps, double allocatedBytesPerPacket, double cpuNanosPerPacket, double busyPercent,
            double cyclesPerPacket) {
            this(impl, pps, allocatedBytesPerPacket, cpuNanosPerPacket, busyPercent, cyclesPerPacket, Double.NaN);
        }

        Run offered(double offered) {
            return new Run(impl, pps, allocatedBytesPerPacket, cpuNanosPerPacket, busyPercent, cyclesPerPacket,
                offered);
        }

        /** More than half of what the generator offered was taken: the rate is the generator's, not the receiver's. */
        boolean generatorBound() {
            return pps > 0.5 * offeredPps;
        }
    }

    /**
     * Where a receiver runs ({@code cpu} -1: unpinned), whether it spins instead of sleeping when idle, and the
     * signal it gives once it listens (its XDP program attached, the outer end's NAPI kthread pinned to its CPU):
     * only then does the generator start.
     */
    record Placement(int cpu, boolean spin, java.util.concurrent.CountDownLatch ready) {
        Placement(int cpu, boolean spin) {
            this(cpu, spin, new java.util.concurrent.CountDownLatch(1));
        }

        /** The same placement with a fresh ready signal (one per measurement). */
        Placement fresh() {
            return new Placement(cpu, spin);
        }

        void apply() {
            if (cpu >= 0) {
                CpuAffinity.pinCurrentThread(cpu);
            }
        }

        /** The receiver listens: the outer end's NAPI work moves to the receiver's CPU, the generator may start. */
        void listening(VethPair veth) {
            if (cpu >= 0) {
                veth.pinNapi(cpu);
            }
            ready.countDown();
        }
    }

    private AfXdpBench() {
    }

    /**
     * The ring size every benchmarked port (and the C peer, configured like it) opens with: the library's default
     * unless {@code --ring-size} says otherwise; the UMEM has twice as many frames.
     */
    static volatile int ringSize = PortConfig.defaults().ringSize();

    /** Ethernet/IPv4/UDP, 64 bytes, from the inner end to {@link VethPair#outerIp}:9000, with a valid IP checksum. */
    static byte[] frame(VethPair veth) {
        return veth.udpFrameToOuter(64, PORT);
    }

    /** The same, {@code size} bytes long (64 to 1514). */
    static byte[] frame(VethPair veth, int size) {
        return veth.udpFrameToOuter(size, PORT);
    }

    /** Waits until {@code ready} (the receiver or sender listens); rethrows why {@code worker} failed before that. */
    static void awaitListening(java.util.concurrent.CountDownLatch ready, java.util.concurrent.Future<?> worker)
        throws Exception {
        while (!ready.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (worker.isDone()) {
                worker.get(); // failed before it listened: get() throws why
                throw new IllegalStateException("ended before it listened");
            }
        }
    }

    /** The median of {@code values} (the upper one of an even count). */
    static double median(double[] values) {
        double[] s = values.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Live-frames generator batch size: the kernel default (NAPI_POLL_WEIGHT); 128 and 256 offered no more here. */
    static final int GENERATOR_BATCH = 64;

    /**
     * Runs {@code receiver} (which opens, calls {@link Placement#listening}, then measures) against the live-frames
     * generator started once it listens; returns its run with the rate the generator offered.
     */
    static Run measure(VethPair veth, byte[] frame, int generatorCpu, Placement at,
                       java.util.function.Function<Placement, Run> receiver) throws Exception {
        Placement fresh = at.fresh();
        java.util.concurrent.CompletableFuture<Run> f =
            java.util.concurrent.CompletableFuture.supplyAsync(() -> receiver.apply(fresh));
        awaitListening(fresh.ready(), f);
        Run run;
        LiveFrameGenerator gen = LiveFrameGenerator.start(veth, frame, generatorCpu,
            GENERATOR_BATCH);
        try {
            run = f.get();
        } finally {
            gen.close(); // the running call ends first: the offered rate then counts whole calls, never none
        }
        double offered = gen.offeredPps();
        return run.offered(offered);
    }

    /**
     * Any backend by spec: the near end gets an XDP_PASS program (veth gives XDP_TX frames to a peer only when it
     * has one) unless the backend brings its own (AF_XDP), and the address for UDP-flow specs.
     */
    static Run port(String receiver, VethPair veth, String spec, double seconds, double warmup, Placement at) {
        at.apply();
        boolean ownProgram = spec.startsWith("afxdp:") || spec.startsWith("auto:");
        boolean udp = spec.contains(":udp:");
        if (udp) {
            veth.withOuterAddress();
        }
        try (BpfProgram pass = ownProgram ? null : BpfProgram.load(ProgramType.XDP,
                 new Assembler().ret(TestRunResult.XDP_PASS).build(), "pass");
             XdpAttachment a = pass == null ? null : XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER);
             Port port = Zcnbrh.open(spec, PortConfig.builder().ringSize(ringSize).build())) {
            at.listening(veth);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            RxCommand.receive(port, warmup, 0);
            long before = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            try (CycleCounter cycles = CycleCounter.open()) {
                long c0 = cycles == null ? 0 : cycles.read();
                RxCommand.Result r = RxCommand.receive(port, seconds, 0.2, at.spin());
                long c = cycles == null ? -1 : cycles.read() - c0;
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                long wall = System.nanoTime() - t0;
                long allocated = threads.getThreadAllocatedBytes(tid) - before;
                double n = r.packets();
                return new Run(receiver, r.pps(), n == 0 ? Double.NaN : allocated / n, n == 0 ? Double.NaN : cpu / n,
                    100.0 * cpu / wall, c < 0 || n == 0 ? Double.NaN : c / n);
            }
        } finally {
            if (udp) {
                VethPair.ip("addr", "del", veth.outerIp + "/24", "dev", veth.outer);
            }
        }
    }

    /** The kernel's ceiling on this bed: an XDP program on the outer end that counts and drops every frame. */
    static Run xdpDrop(VethPair veth, double seconds, double warmup, Placement at) throws InterruptedException {
        at.apply();
        try (FrameCounter counter = FrameCounter.attach(null, veth.outer,
            "udp dst port " + PORT)) {
            at.listening(veth);
            Thread.sleep((long) (warmup * 1000));
            long n0 = counter.frames();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long n = counter.frames() - n0;
            return new Run("kernel-xdp-drop", n / ((System.nanoTime() - t0) / 1e9), 0, Double.NaN, Double.NaN);
        }
    }

    static Run datagramChannel(VethPair veth, double seconds, double warmup, Placement at) throws IOException {
        at.apply();
        // the outer end needs an address and NAPI (an XDP_PASS program) to take the generator's frames into its stack
        veth.withOuterAddress();
        try (BpfProgram pass = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(), "pass");
             XdpAttachment a = XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER);
             DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress(veth.outerIp, PORT));
            at.listening(veth);
            ByteBuffer buf = ByteBuffer.allocateDirect(2048);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            // a user's DatagramChannel blocks in the kernel when idle; the spin variant polls non-blocking
            ch.configureBlocking(!at.spin());
            receiveDatagrams(ch, buf, warmup);
            long before = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long n = receiveDatagrams(ch, buf, seconds);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            return new Run("jdk-datagramchannel", n / elapsed, n == 0 ? Double.NaN : (double) allocated / n,
                n == 0 ? Double.NaN : (double) cpu / n, 100.0 * cpu / (elapsed * 1e9));
        } finally {
            VethPair.ip("addr", "del", veth.outerIp + "/24", "dev", veth.outer);
        }
    }

    private static long receiveDatagrams(DatagramChannel ch, ByteBuffer buf, double seconds) throws IOException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++) {
                buf.clear();
                if (ch.receive(buf) == null) {
                    Thread.onSpinWait();
                    break;
                }
                n++;
            }
        }
        return n;
    }
}
