package io.zcnbrh.bpf;

import io.zcnbrh.audit.AuditLog;
import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.sys.BpfCommand;
import io.zcnbrh.bpf.sys.BpfSyscall;
import io.zcnbrh.bpf.sys.ProgLoadAttr;
import io.zcnbrh.bpf.sys.TestRunAttr;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A program loaded into the kernel with BPF_PROG_LOAD. Map references in LD_IMM64 instructions (the
 * {@link Insn#map()} of an {@link io.zcnbrh.bpf.asm.Assembler#ldMap} slot) must be {@link BpfMap}s; their
 * fds are filled in here. A rejected program raises {@link ProgramLoadException} with the verifier's log.
 */
public final class BpfProgram implements AutoCloseable {
    private static final Pattern INSN_LINE = Pattern.compile("(?m)^(\\d+): \\(");
    private static final int LOG_SIZE = 1 << 20;

    private final int fd;
    private final ProgramType type;
    private final List<Insn> insns;
    private final String name;
    private boolean closed;
    /** BPF_F_XDP_HAS_FRAGS (include/uapi/linux/bpf.h): the XDP program understands multi-buffer packets. */
    public static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;
    /** BPF_F_XDP_DEV_BOUND_ONLY: bound to one device (its metadata kfuncs), attachable there only. */
    public static final int BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6;

    private BpfProgram(int fd, ProgramType type, List<Insn> insns, String name) {
        this.fd = fd;
        this.type = type;
        this.insns = insns;
        this.name = name;
    }

    /** Loads {@code insns} as a GPL program of {@code type} named {@code name}. */
    public static BpfProgram load(ProgramType type, List<Insn> insns, String name) {
        return load(type, insns, name, "GPL");
    }

    /**
     * Loads {@code insns} under {@code license} (GPL-only helpers need a GPL-compatible one). The library's XDP
     * programs are frags-aware (BPF_F_XDP_HAS_FRAGS): they read headers by direct packet access, which covers the
     * first fragment of a multi-buffer packet.
     */
    public static BpfProgram load(ProgramType type, List<Insn> insns, String name, String license) {
        return load(type, insns, name, license, true);
    }

    /**
     * As above; {@code xdpFrags} says whether an XDP program is loaded frags-aware (an object file's program is only
     * when its section says so, {@code SEC("xdp.frags")}, as libbpf does).
     */
    public static BpfProgram load(ProgramType type, List<Insn> insns, String name, String license,
                                  boolean xdpFrags) {
        return load(type, insns, name, license, xdpFrags, 0);
    }

    /**
     * Loads an XDP program bound to interface {@code ifindex} (prog_ifindex with BPF_F_XDP_DEV_BOUND_ONLY, Linux
     * 6.3): it may call the device's metadata kfuncs (bpf_xdp_metadata_rx_hash, ...) and attaches to that interface
     * only.
     */
    public static BpfProgram loadDeviceBound(List<Insn> insns, String name, int ifindex) {
        return load(ProgramType.XDP, insns, name, "GPL", true, ifindex);
    }

    private static BpfProgram load(ProgramType type, List<Insn> insns, String name, String license, boolean xdpFrags,
                                   int deviceIfindex) {
        BpfMap.checkName(name);
        List<Insn> resolved = new ArrayList<>(insns.size());
        for (Insn in : insns) {
            if (in.map() != null) {
                if (!(in.map() instanceof BpfMap m)) {
                    throw new IllegalArgumentException("instruction refers to " + in.map()
                        + ", which is not a kernel map (BpfMap); the kernel needs a map fd");
                }
                resolved.add(in.withImm(m.fd()));
            } else {
                resolved.add(in);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate((long) resolved.size() * Insn.SIZE, 8);
            for (int i = 0; i < resolved.size(); i++) {
                resolved.get(i).encode(code, (long) i * Insn.SIZE);
            }
            // First without a log (cheap); on failure again with the verifier log, as libbpf does.
            long rc = attempt(arena, type, code, resolved.size(), name, license, null, xdpFrags, deviceIfindex);
            if (rc == -Errno.EINVAL && type == ProgramType.XDP && xdpFrags && fragsAware) {
                // a kernel before 5.18 knows no BPF_F_XDP_HAS_FRAGS: load as before, and say so once
                long plain = withoutFrags(arena, type, code, resolved.size(), name, license, deviceIfindex);
                if (plain >= 0) {
                    return new BpfProgram((int) plain, type, List.copyOf(insns), name);
                }
            }
            if (rc >= 0) {
                return new BpfProgram((int) rc, type, List.copyOf(insns), name);
            }
            MemorySegment log = arena.allocate(LOG_SIZE);
            long again = attempt(arena, type, code, resolved.size(), name, license, log, xdpFrags, deviceIfindex);
            if (again >= 0) {
                return new BpfProgram((int) again, type, List.copyOf(insns), name); // transient failure
            }
            throw rejected(name, (int) -again, log.getString(0), insns);
        }
    }

    /** Set BPF_F_XDP_HAS_FRAGS on XDP programs; cleared (announced) when this kernel refuses the flag. */
    private static volatile boolean fragsAware = true;

    private static long withoutFrags(Arena arena, ProgramType type, MemorySegment code, int count, String name,
                                     String license, int deviceIfindex) {
        fragsAware = false;
        long rc = attempt(arena, type, code, count, name, license, null, true, deviceIfindex);
        if (rc >= 0) {
            System.getLogger("io.zcnbrh.bpf").log(System.Logger.Level.WARNING, "this kernel refuses "
                + "BPF_F_XDP_HAS_FRAGS (Linux 5.18+): XDP programs load without it, so multi-buffer packets (MTUs above "
                + "a page, AF_XDP XDP_USE_SG) are not available");
        } else {
            fragsAware = true; // the flag was not the problem
        }
        return rc;
    }

    /** Whether XDP programs are loaded frags-aware (BPF_F_XDP_HAS_FRAGS) on this kernel. */
    public static boolean xdpFragsAware() {
        return fragsAware;
    }

    private static long attempt(Arena arena, ProgramType type, MemorySegment code, int count, String name,
                                String license, MemorySegment log, boolean xdpFrags, int deviceIfindex) {
        MemorySegment attr = arena.allocate(ProgLoadAttr.SIZE, 8);
        attr.set(JAVA_INT, ProgLoadAttr.PROG_TYPE, type.number());
        attr.set(JAVA_INT, ProgLoadAttr.INSN_CNT, count);
        attr.set(JAVA_LONG, ProgLoadAttr.INSNS, code.address());
        attr.set(JAVA_LONG, ProgLoadAttr.LICENSE, arena.allocateFrom(license).address());
        int flags = deviceIfindex > 0 ? BPF_F_XDP_DEV_BOUND_ONLY : 0;
        if (deviceIfindex > 0) {
            attr.set(JAVA_INT, ProgLoadAttr.PROG_IFINDEX, deviceIfindex);
        }
        if (type == ProgramType.XDP && xdpFrags && fragsAware) {
            // BPF_F_XDP_HAS_FRAGS (Linux 5.18): the program may see multi-buffer packets, so it can attach to an
            // interface whose MTU a page cannot hold (veth: ERANGE otherwise) and run for AF_XDP's XDP_USE_SG.
            // Its direct packet access covers the first fragment (the headers); the rest is in the fragments.
            flags |= BPF_F_XDP_HAS_FRAGS;
        }
        attr.set(JAVA_INT, ProgLoadAttr.PROG_FLAGS, flags);
        if (log != null) {
            attr.set(JAVA_INT, ProgLoadAttr.LOG_LEVEL, 1);
            attr.set(JAVA_INT, ProgLoadAttr.LOG_SIZE, (int) log.byteSize());
            attr.set(JAVA_LONG, ProgLoadAttr.LOG_BUF, log.address());
        }
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(n, 0, attr, JAVA_BYTE, ProgLoadAttr.PROG_NAME, n.length);
        return BpfSyscall.call(BpfCommand.PROG_LOAD, attr);
    }

    private static RuntimeException rejected(String name, int errno, String log, List<Insn> insns) {
        AuditLog.fault("program " + name, "verifier rejection", Errno.name(errno) + ": "
            + log.strip().lines().reduce((a, b) -> b).orElse(""));
        if (errno == Errno.EPERM) {
            return new SyscallException("bpf(BPF_PROG_LOAD '" + name + "')", errno, BpfSyscall.hint(errno));
        }
        int failed = -1;
        Matcher m = INSN_LINE.matcher(log);
        while (m.find()) {
            failed = Integer.parseInt(m.group(1));
        }
        String[] lines = log.strip().split("\n");
        StringBuilder tail = new StringBuilder();
        for (int i = Math.max(0, lines.length - 6); i < lines.length; i++) {
            tail.append("\n  verifier: ").append(lines[i]);
        }
        String at = "";
        if (failed >= 0 && failed < insns.size()) {
            at = "\n  at instruction " + failed + ": "
                + Disassembler.format(insns.get(failed), failed + 1 < insns.size() ? insns.get(failed + 1) : null);
        }
        String message = Errno.name(errno) + " from bpf(BPF_PROG_LOAD '" + name + "'): the verifier rejected the program"
            + at + tail;
        return new ProgramLoadException(message, errno, log, failed);
    }

    /** The program's fd. */
    public int fd() {
        if (closed) {
            throw new IllegalStateException("program '" + name + "' is closed");
        }
        return fd;
    }

    /** The program type. */
    public ProgramType type() {
        return type;
    }

    /** The instructions as assembled (map references unresolved). */
    public List<Insn> instructions() {
        return insns;
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** Runs the program once in the kernel on {@code packet} (BPF_PROG_TEST_RUN) and returns verdict and output packet. */
    public TestRunResult testRun(byte[] packet) {
        return testRun(packet, 1, 0);
    }

    /**
     * BPF_PROG_TEST_RUN with {@code repeat} runs and {@code flags} (e.g. {@link TestRunAttr#F_TEST_XDP_LIVE_FRAMES},
     * which sends redirected/TX frames for real: a traffic generator).
     */
    public TestRunResult testRun(byte[] packet, int repeat, int flags) {
        return testRun(packet, repeat, flags, 0);
    }

    /**
     * Live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18): runs {@code repeat} times as if {@code packet} had
     * arrived on interface {@code ifindex}; frames the program returns XDP_TX for leave through that interface,
     * XDP_REDIRECT ones through their target, XDP_PASS ones enter the stack. A traffic generator in the kernel.
     */
    public TestRunResult generate(byte[] packet, int ifindex, int repeat) {
        return testRun(packet, repeat, TestRunAttr.F_TEST_XDP_LIVE_FRAMES, ifindex, 0);
    }

    /**
     * As {@link #generate(byte[], int, int)}, with frames sent in batches of {@code batchSize} (the attr's
     * {@code batch_size}: 1-256, 0 for the kernel's default of 64; net/bpf/test_run.c, xdp_test_run_setup).
     */
    public TestRunResult generate(byte[] packet, int ifindex, int repeat, int batchSize) {
        if (batchSize < 0 || batchSize > 256) {
            throw new IllegalArgumentException("live-frames batch size must be 0 (kernel default) to 256, was "
                + batchSize);
        }
        return testRun(packet, repeat, TestRunAttr.F_TEST_XDP_LIVE_FRAMES, ifindex, batchSize);
    }

    private TestRunResult testRun(byte[] packet, int repeat, int flags, int ifindex) {
        return testRun(packet, repeat, flags, ifindex, 0);
    }

    private TestRunResult testRun(byte[] packet, int repeat, int flags, int ifindex, int batchSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(Math.max(packet.length, 1), 8);
            MemorySegment.copy(packet, 0, in, JAVA_BYTE, 0, packet.length);
            int outSize = packet.length + 512;
            MemorySegment out = arena.allocate(outSize, 8);
            MemorySegment attr = arena.allocate(TestRunAttr.SIZE, 8);
            attr.set(JAVA_INT, TestRunAttr.PROG_FD, fd());
            attr.set(JAVA_INT, TestRunAttr.DATA_SIZE_IN, packet.length);
            attr.set(JAVA_LONG, TestRunAttr.DATA_IN, in.address());
            if ((flags & TestRunAttr.F_TEST_XDP_LIVE_FRAMES) == 0) {
                attr.set(JAVA_INT, TestRunAttr.DATA_SIZE_OUT, outSize);
                attr.set(JAVA_LONG, TestRunAttr.DATA_OUT, out.address());
            }
            attr.set(JAVA_INT, TestRunAttr.REPEAT, repeat);
            attr.set(JAVA_INT, TestRunAttr.FLAGS, flags);
            attr.set(JAVA_INT, TestRunAttr.BATCH_SIZE, batchSize);
            if (ifindex > 0) {
                // struct xdp_md as ctx_in: data 0, data_end len, data_meta 0, ingress_ifindex, rx_queue_index 0
                MemorySegment ctx = arena.allocate(24, 8);
                ctx.set(JAVA_INT, 4, packet.length);
                ctx.set(JAVA_INT, 12, ifindex);
                attr.set(JAVA_INT, TestRunAttr.CTX_SIZE_IN, 24);
                attr.set(JAVA_LONG, TestRunAttr.CTX_IN, ctx.address());
            }
            long rc = BpfSyscall.call(BpfCommand.PROG_TEST_RUN, attr);
            if (rc < 0) {
                int errno = (int) -rc;
                String hint = switch (errno) {
                    case Errno.EINVAL -> "the packet is too short or too long for this program type (XDP needs at "
                        + "least 14 bytes) or the flags do not fit it";
                    case Errno.ENOTSUP -> "this program type cannot be test-run on this kernel";
                    default -> BpfSyscall.hint(errno);
                };
                throw new SyscallException("bpf(BPF_PROG_TEST_RUN '" + name + "')", errno, hint);
            }
            int produced = attr.get(JAVA_INT, TestRunAttr.DATA_SIZE_OUT);
            byte[] result = (flags & TestRunAttr.F_TEST_XDP_LIVE_FRAMES) == 0
                ? out.asSlice(0, Math.min(produced, outSize)).toArray(JAVA_BYTE) : new byte[0];
            return new TestRunResult(attr.get(JAVA_INT, TestRunAttr.RETVAL), result,
                Integer.toUnsignedLong(attr.get(JAVA_INT, TestRunAttr.DURATION)));
        }
    }

    /** Pins the program in bpffs. */
    public void pin(Path path) {
        BpfObjects.pin(fd(), path);
    }

    @Override
    public String toString() {
        return type + " program '" + name + "' (" + insns.size() + " insns)";
    }

    /** Closes the fd (the kernel frees the program when nothing else holds it); idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
