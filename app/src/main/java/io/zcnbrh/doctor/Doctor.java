package io.zcnbrh.doctor;

import io.zcnbrh.XskBindMode;
import io.zcnbrh.backend.afxdp.XskFeatures;
import io.zcnbrh.backend.afxdp.XskSocket;
import io.zcnbrh.backend.iouring.IoUring;
import io.zcnbrh.backend.iouring.IoUringProbe;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.KernelBtf;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.XskMetadataProgram;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.Errno;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.numa.NumaTopology;
import io.zcnbrh.sys.Libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.zcnbrh.doctor.Check.Status.NO;
import static io.zcnbrh.doctor.Check.Status.OK;
import static io.zcnbrh.doctor.Check.Status.WARN;

/**
 * Probes what this machine allows, by trying it (a socket opened, a program loaded, a ring set up), never by
 * version numbers alone; nothing is left behind. Physical interfaces are looked at, not touched: attaching XDP to
 * a NIC can reset its queues, so native XDP and zero-copy are tried on a veth pair the doctor makes and removes.
 */
public final class Doctor {
    private static final String[] CAPS = {"CAP_NET_ADMIN:12", "CAP_NET_RAW:13", "CAP_IPC_LOCK:14", "CAP_SYS_ADMIN:21",
        "CAP_PERFMON:38", "CAP_BPF:39"};

    private Doctor() {
    }

    /** Every check, in a stable order. */
    public static List<Check> run() {
        List<Check> out = new ArrayList<>();
        out.add(new Check("kernel", OK, System.getProperty("os.name") + " " + System.getProperty("os.version") + ", "
            + Runtime.getRuntime().availableProcessors() + " CPUs", ""));
        out.add(safely("capabilities", Doctor::capabilities));
        out.add(safely("memlock", Doctor::memlock));
        out.add(safely("huge pages", Doctor::hugePages));
        out.add(safely("NUMA", () -> {
            NumaTopology t = NumaTopology.current();
            return new Check("NUMA", OK, t.nodes().size() + " node(s) " + t.nodes(), "");
        }));
        out.add(safely("BPF program types", Doctor::programTypes));
        out.add(safely("AF_XDP sockets", () -> {
            int fd = Libc.socket(44, 3, 0, "AF_XDP", e -> ""); // AF_XDP, SOCK_RAW
            Libc.close(fd);
            return new Check("AF_XDP sockets", OK, "socket(AF_XDP) works", "");
        }));
        out.add(safely("XDP and zero-copy (probed on a veth pair)", Doctor::vethProbe));
        out.add(safely("io_uring", Doctor::ioUring));
        out.add(safely("perf cycle counters", Doctor::perfCycles));
        out.addAll(interfaces());
        return out;
    }

    private static Check safely(String name, Supplier<Check> check) {
        try {
            return check.get();
        } catch (RuntimeException e) {
            return new Check(name, NO, e.getMessage(), advice(e.getMessage()));
        }
    }

    private static String advice(String message) {
        if (message == null) {
            return "";
        }
        if (message.contains("EPERM") || message.contains("EACCES")) {
            return "run as root, or give the application its port through zcnbrhd";
        }
        return "";
    }

    private static Check capabilities() {
        long eff = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    eff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException e) {
            return new Check("capabilities", WARN, "cannot read /proc/self/status", "");
        }
        List<String> have = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String c : CAPS) {
            String[] nb = c.split(":");
            (((eff >>> Integer.parseInt(nb[1])) & 1) != 0 ? have : missing).add(nb[0]);
        }
        return new Check("capabilities", missing.isEmpty() ? OK : WARN, "have " + have + (missing.isEmpty() ? ""
            : ", missing " + missing), missing.isEmpty() ? "" : "AF_XDP and XDP need CAP_NET_ADMIN, CAP_NET_RAW and "
            + "CAP_BPF: run as root or through zcnbrhd");
    }

    private static Check memlock() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max locked memory")) {
                    String[] f = line.substring(17).trim().split("\\s+");
                    boolean unlimited = f[0].equals("unlimited");
                    long soft = unlimited ? Long.MAX_VALUE : Long.parseLong(f[0]);
                    return new Check("memlock", unlimited || soft >= (64L << 20) ? OK : WARN,
                        "RLIMIT_MEMLOCK " + (unlimited ? "unlimited" : (soft >> 20) + " MiB"),
                        unlimited || soft >= (64L << 20) ? "" : "a UMEM is charged to it without CAP_IPC_LOCK: raise it "
                            + "(ulimit -l, LimitMEMLOCK= in systemd) or go through zcnbrhd");
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Check("memlock", WARN, "cannot read /proc/self/limits", "");
        }
        return new Check("memlock", WARN, "no memlock line in /proc/self/limits", "");
    }

    private static Check hugePages() {
        long total = -1;
        long free = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("HugePages_Total:")) {
                    total = Long.parseLong(line.substring(16).trim());
                } else if (line.startsWith("HugePages_Free:")) {
                    free = Long.parseLong(line.substring(15).trim());
                }
            }
        } catch (IOException e) {
            return new Check("huge pages", WARN, "cannot read /proc/meminfo", "");
        }
        return new Check("huge pages", free > 0 ? OK : WARN, "2 MiB pages: " + total + " reserved, " + free + " free",
            free > 0 ? "" : "for PageSize.HUGE_2M reserve some: echo 512 > /proc/sys/vm/nr_hugepages");
    }

    private static Check programTypes() {
        List<String> ok = new ArrayList<>();
        List<String> no = new ArrayList<>();
        for (ProgramType t : ProgramType.values()) {
            try (BpfProgram p = BpfProgram.load(t, new Assembler().ret(t == ProgramType.XDP ? TestRunResult.XDP_PASS
                : 0).build(), "zcnbrh_doctor")) {
                ok.add(t.name());
            } catch (RuntimeException e) {
                no.add(t.name() + " (" + e.getMessage() + ")");
            }
        }
        try (BpfMap m = BpfMap.create(MapType.XSKMAP, 4, 4, 1, "zcnbrh_doctor")) {
            ok.add("XSKMAP");
        } catch (RuntimeException e) {
            no.add("XSKMAP (" + e.getMessage() + ")");
        }
        return new Check("BPF program types", no.isEmpty() ? OK : NO, "loaded " + ok + (no.isEmpty() ? ""
            : "; refused " + no), no.isEmpty() ? "" : advice(no.toString()));
    }

    private static Check vethProbe() {
        try (VethPair veth = new VethPair();
             BpfProgram pass = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(),
                 "zcnbrh_doctor")) {
            String nativeXdp;
            try (XdpAttachment a = XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER)) {
                nativeXdp = "native XDP attaches (via " + a.via() + ")";
            }
            String zc;
            try (Mapping umem = Mapping.anonymous(1 << 20, PageSize.BASE, -1);
                 XskSocket s = XskSocket.open(Libc.ifindex(veth.outer), 0, umem, 2048, 0, 64, 64,
                     XskBindMode.AUTO, true, null)) {
                zc = s.zeroCopy() ? "AF_XDP zero-copy" : "AF_XDP copy mode only (" + s.fallbackReason() + "; it "
                    + "costs one copy per packet, made by the kernel into the UMEM)";
            }
            String txMetadata;
            try (Mapping umem = Mapping.anonymous(1 << 20, PageSize.BASE, -1);
                 XskSocket s = XskSocket.open(Libc.ifindex(veth.outer), 0, umem, 2048, 0, 64, 64,
                     XskBindMode.AUTO, true, null, true, new XskFeatures(false, true))) {
                txMetadata = s.txMetadataLength() > 0
                    ? "TX metadata: checksum offload (in software in copy mode), launch time; completion timestamps "
                        + (s.zeroCopy() ? "where the driver offers them" : "absent in copy mode")
                    : "TX metadata: no (" + s.txMetadataAbsent() + "; checksums are then the application's to write)";
            }
            String metadata = metadataProbe(veth);
            String multiBuffer = multiBufferProbe(veth, pass);
            IoUringProbe.Result zcrx = IoUringProbe.zeroCopyReceive(veth.outer, 0);
            return new Check("XDP and zero-copy (probed on a veth pair)", OK, nativeXdp + "; " + zc + "; "
                + metadata + "; " + txMetadata + "; " + multiBuffer + "; " + busyPoll()
                + "; io_uring zero-copy receive: " + (zcrx.available() ? "yes" : "no (" + zcrx.reason() + ")"),
                "zero-copy needs a NIC driver that offers it (e.g. i40e, ice, mlx5); veth never does");
        }
    }

    /**
     * Busy polling: the system-wide defaults (net.core.busy_poll, busy_read: 0 means a socket busy-polls only when it
     * sets SO_BUSY_POLL itself, as AfXdpOptions.withBusyPoll does) and what it costs.
     */
    private static String busyPoll() {
        try {
            String poll = Files.readString(Path.of("/proc/sys/net/core/busy_poll")).strip();
            String read = Files.readString(Path.of("/proc/sys/net/core/busy_read")).strip();
            return "busy poll: net.core.busy_poll " + poll + " us, busy_read " + read + " us (0: only sockets that ask, "
                + "AfXdpOptions.withBusyPoll; it costs the polling core, busy even without traffic)";
        } catch (IOException e) {
            return "busy poll: unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * The XDP receive-metadata kfuncs (xdp-rx-metadata.rst) this kernel has, and whether a redirect program calling
     * them loads bound to a veth device (what AfXdpOptions.withRxMetadata needs). A NIC's driver may offer more or
     * fewer of them: a port with metadata says per interface, on its first packet, what the device gave.
     */
    private static String metadataProbe(VethPair veth) {
        List<String> have = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String kfunc : new String[] {"bpf_xdp_metadata_rx_timestamp", "bpf_xdp_metadata_rx_hash",
            "bpf_xdp_metadata_rx_vlan_tag"}) {
            try {
                KernelBtf.functionId(kfunc);
                have.add(kfunc.substring("bpf_xdp_metadata_".length()));
            } catch (RuntimeException e) {
                missing.add(kfunc.substring("bpf_xdp_metadata_".length()));
            }
        }
        String bound;
        try (BpfMap xsks = BpfMap.create(MapType.XSKMAP, 4, 4, 1, "zcnbrh_doctor");
             BpfProgram p = BpfProgram.loadDeviceBound(XskMetadataProgram.instructions(xsks), "zcnbrh_md",
                 Libc.ifindex(veth.outer))) {
            bound = "the metadata redirect program loads bound to a device: yes";
        } catch (RuntimeException e) {
            bound = "the metadata redirect program does not load (" + e.getMessage() + ")";
        }
        return "RX metadata kfuncs: " + (have.isEmpty() ? "none (without them the device's hash and timestamp are "
            + "not available: hash in software, stamp with the receive clock)" : String.join(", ", have))
            + (missing.isEmpty() ? "" : " (missing: " + String.join(", ", missing) + ", a newer kernel has them)")
            + ", " + bound;
    }

    /**
     * Jumbo frames: the library's frags-aware XDP program attached at MTU 9000, and an AF_XDP socket bound with
     * XDP_USE_SG (multi-buffer packets, Linux 6.6 in copy mode).
     */
    private static String multiBufferProbe(VethPair veth, BpfProgram pass) {
        veth.withMtu(9000);
        String attach;
        try (XdpAttachment a = XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER)) {
            attach = "frags-aware XDP at MTU 9000: attaches";
        } catch (RuntimeException e) {
            attach = "frags-aware XDP at MTU 9000: no (" + e.getMessage() + ")";
        }
        try (Mapping umem = Mapping.anonymous(1 << 20, PageSize.BASE, -1);
             XskSocket s = XskSocket.open(Libc.ifindex(veth.outer), 0, umem, 2048, 0, 64, 64, XskBindMode.COPY, true,
                 null, true, new XskFeatures(true, false))) {
            return attach + "; multi-buffer AF_XDP (XDP_USE_SG): yes, jumbo frames arrive as chains of frames";
        } catch (RuntimeException e) {
            return attach + "; multi-buffer AF_XDP (XDP_USE_SG): no (" + e.getMessage() + "): it costs every packet "
                + "larger than a frame, dropped by the kernel on an MTU above what a frame holds";
        }
    }

    private static Check ioUring() {
        try (IoUring ring = new IoUring(8, 16, 0)) {
            boolean[] ops = ring.supportedOps();
            String detail = "RECV " + yes(ops[27]) + ", SEND_ZC " + yes(ops[47]) + ", RECV_ZC " + yes(ops[58]);
            return new Check("io_uring", ops[27] ? OK : WARN, detail + ops(ops), "");
        }
    }

    private static String ops(boolean[] ops) {
        int n = 0;
        for (boolean b : ops) {
            n += b ? 1 : 0;
        }
        return "; " + n + " opcodes supported";
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    /** perf_event_open(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES) on this thread. */
    private static Check perfCycles() {
        try (var a = java.lang.foreign.Arena.ofConfined()) {
            var attr = a.allocate(128, 8);
            attr.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 0);   // type PERF_TYPE_HARDWARE
            attr.set(java.lang.foreign.ValueLayout.JAVA_INT, 4, 128); // size
            attr.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 0);  // config: CPU cycles
            attr.set(java.lang.foreign.ValueLayout.JAVA_LONG, 40, 1L | 1L << 5 | 1L << 6); // disabled, no kernel, no hv
            long fd = Libc.syscall(298, attr.address(), 0, -1, -1, 0, 0);
            if (fd >= 0) {
                Libc.close((int) fd);
                return new Check("perf cycle counters", OK, "perf_event_open(CPU cycles) works: cycles per packet "
                    + "can be measured", "");
            }
            return new Check("perf cycle counters", WARN, Errno.name((int) -fd) + " from perf_event_open(CPU cycles): "
                + "no hardware counters here (a VM without a virtual PMU?)", "benchmarks report CPU nanoseconds per "
                + "packet instead of cycles");
        }
    }

    private static List<Check> interfaces() {
        List<Check> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            for (Path dev : s.sorted().toList()) {
                String name = dev.getFileName().toString();
                if (name.startsWith("zo") || name.startsWith("zi")) {
                    continue; // veth pairs of our own tests and benchmarks
                }
                String driver = "virtual";
                Path link = dev.resolve("device/driver");
                if (Files.exists(link)) {
                    driver = Files.readSymbolicLink(link).getFileName().toString();
                }
                int queues;
                try (Stream<Path> q = Files.list(dev.resolve("queues"))) {
                    queues = (int) q.filter(p -> p.getFileName().toString().startsWith("rx-")).count();
                } catch (IOException e) {
                    queues = 0;
                }
                String xdp;
                try {
                    int[] st = XdpAttachment.state(name);
                    xdp = st[0] == 0 ? "no XDP program attached" : "XDP program " + st[1] + " attached (mode " + st[0] + ")";
                } catch (RuntimeException e) {
                    xdp = "XDP state unknown (" + e.getMessage() + ")";
                }
                String mtu;
                try {
                    int m = Integer.parseInt(Files.readString(dev.resolve("mtu")).strip());
                    mtu = "MTU " + m + (m + 18 > 2048 - 256 ? " (above what a 2048-byte frame holds: AF_XDP ports take "
                        + "multi-buffer packets there, XDP_USE_SG)" : "");
                } catch (IOException | NumberFormatException e) {
                    mtu = "MTU unknown";
                }
                out.add(new Check("interface " + name, OK, "driver " + driver + ", " + queues + " RX queue(s), " + mtu
                    + ", " + xdp,
                    driver.equals("virtual") ? "" : "native XDP and zero-copy depend on the driver; not probed here so "
                        + "traffic is not disturbed (try: zcnbrh rx afxdp:" + name + "@0 --seconds 1)"));
            }
        } catch (IOException e) {
            out.add(new Check("interfaces", WARN, "cannot list /sys/class/net", ""));
        }
        return out;
    }
}
