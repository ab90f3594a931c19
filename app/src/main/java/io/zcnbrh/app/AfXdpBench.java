package io.zcnbrh.app;

import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicBoolean;

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
               double cyclesPerPacket) {
        Run(String impl, double pps, double allocatedBytesPerPacket, double cpuNanosPerPacket, double busyPercent) {
            this(impl, pps, allocatedBytesPerPacket, cpuNanosPerPacket, busyPercent, Double.NaN);
        }

        Run(String impl, double pps, double allocatedBytesPerPacket, double cpuNanosPerPacket) {
            this(impl, pps, allocatedBytesPerPacket, cpuNanosPerPacket, Double.NaN, Double.NaN);
        }
    }

    /** Where a receiver runs ({@code cpu} -1: unpinned) and whether it spins instead of sleeping when idle. */
    record Placement(int cpu, boolean spin) {
        void apply() {
            if (cpu >= 0) {
                io.zcnbrh.numa.CpuAffinity.pinCurrentThread(cpu);
            }
        }
    }

    private AfXdpBench() {
    }

    /** Ethernet/IPv4/UDP, 64 bytes, from the inner end to {@link VethPair#OUTER_IP}:9000, with a valid IP checksum. */
    static byte[] frame(VethPair veth) {
        return frame(veth, 64);
    }

    /** The same, {@code size} bytes long (64 to 1514). */
    static byte[] frame(VethPair veth, int size) {
        byte[] f = new byte[size];
        HexFormat hex = HexFormat.ofDelimiter(":");
        System.arraycopy(hex.parseHex(VethPair.mac(veth.outer)), 0, f, 0, 6);
        f[6] = 0x02; f[7] = 0x00; f[8] = 0x00; f[9] = 0x00; f[10] = 0x00; f[11] = 0x02;
        f[12] = 0x08;
        int ip = 14;
        f[ip] = 0x45;
        int total = size - 14;
        f[ip + 2] = (byte) (total >> 8);
        f[ip + 3] = (byte) total;
        f[ip + 6] = 0x40; // don't fragment
        f[ip + 8] = 64;   // TTL
        f[ip + 9] = 17;   // UDP
        byte[] src = {10, (byte) 213, 0, 2};
        byte[] dst = {10, (byte) 213, 0, 1};
        System.arraycopy(src, 0, f, ip + 12, 4);
        System.arraycopy(dst, 0, f, ip + 16, 4);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((f[ip + i] & 0xff) << 8) | (f[ip + i + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >> 16);
        sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
        f[ip + 10] = (byte) (sum >> 8);
        f[ip + 11] = (byte) sum;
        int udp = ip + 20;
        f[udp] = 0x30; f[udp + 1] = 0x39; // source port 12345
        f[udp + 2] = (byte) (PORT >> 8);
        f[udp + 3] = (byte) PORT;
        f[udp + 4] = (byte) ((total - 20) >> 8);
        f[udp + 5] = (byte) (total - 20); // UDP length; checksum 0 (none, allowed for IPv4)
        return f;
    }

    /** Starts the generator thread: live-frames XDP_TX on the inner end until {@code stop}. */
    static Thread generator(VethPair veth, BpfProgram tx, byte[] frame, AtomicBoolean stop, int cpu,
                            java.util.concurrent.atomic.DoubleAdder offeredPps) {
        Thread t = new Thread(() -> NetNamespace.call(veth.netns, () -> {
            if (cpu >= 0) {
                io.zcnbrh.numa.CpuAffinity.pinCurrentThread(cpu);
            }
            int ifindex = XdpAttachment.ifindex(veth.inner);
            long t0 = System.nanoTime();
            long sent = 0;
            while (!stop.get()) {
                tx.generate(frame, ifindex, 20_000);
                sent += 20_000;
            }
            offeredPps.add(sent / ((System.nanoTime() - t0) / 1e9));
            return null;
        }), "generator");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static Run afxdp(VethPair veth, double seconds, double warmup, Placement at) {
        at.apply();
        try (AfXdpPort port = AfXdpPort.open(veth.outer + "@0", PortConfig.builder().ringSize(2048).build())) {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            RxCommand.receive(port, warmup, 0, at.spin()); // warm up the JIT on real traffic first
            long before = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getCurrentThreadCpuTime();
            RxCommand.Result r = RxCommand.receive(port, seconds, 0.2, at.spin());
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            return new Run("zcnbrh-afxdp-" + (port.zeroCopy() ? "zerocopy" : "copy"), r.pps(),
                r.packets() == 0 ? Double.NaN : (double) allocated / r.packets(),
                r.packets() == 0 ? Double.NaN : (double) cpu / r.packets());
        }
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
             io.zcnbrh.Port port = io.zcnbrh.Zcnbrh.open(spec, PortConfig.builder().ringSize(2048).build())) {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            RxCommand.receive(port, warmup, 0);
            long before = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            try (io.zcnbrh.perf.CycleCounter cycles = io.zcnbrh.perf.CycleCounter.open()) {
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
                VethPair.ip("addr", "del", VethPair.OUTER_IP + "/24", "dev", veth.outer);
            }
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
            ch.bind(new InetSocketAddress(VethPair.OUTER_IP, PORT));
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
            VethPair.ip("addr", "del", VethPair.OUTER_IP + "/24", "dev", veth.outer);
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
