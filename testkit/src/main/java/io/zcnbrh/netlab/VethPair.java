package io.zcnbrh.netlab;

import io.zcnbrh.numa.CpuAffinity;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small test network made with iproute2 (`ip`), for the tests, the demo and the benchmarks. A veth pair made for one test: {@link #outer} in this network namespace, {@link #inner} in a namespace of its own,
 * both up. Names carry this JVM's pid, so parallel runs never collide, and a pair left behind by a run that crashed
 * is removed by the next run (its pid is gone). Close removes the link and the namespace even after a failure.
 */
public final class VethPair implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String PREFIX = "zcnbrh-t";
    /** The namespace holding {@link #inner}. */
    public final String netns;
    /** The end in this namespace. */
    public final String outer;
    /** The end in {@link #netns}. */
    public final String inner;
    /** The address the inner end gets for UDP tests ({@link #withUdpPath}): 10.213.X.2, X this pair's own. */
    public final String innerIp;
    /** The outer end's address ({@link #withOuterAddress}), and where the inner end sends: 10.213.X.1. */
    public final String outerIp;
    /** The inner end's IPv6 address once {@link #withIpv6} gave it: fd7a:213:X::2, X this pair's own. */
    public final String innerIp6;
    /** The outer end's IPv6 address once {@link #withIpv6} gave it: fd7a:213:X::1. */
    public final String outerIp6;
    private final int subnet;

    /** Creates the pair with one queue each way (needs root and iproute2). */
    public VethPair() {
        this(1);
    }

    /** Creates the pair with {@code queues} receive and transmit queues on each end. */
    public VethPair(int queues) {
        removeStale();
        long pid = ProcessHandle.current().pid();
        int n = SEQ.incrementAndGet();
        String id = Long.toString(pid, 36) + Integer.toString(n, 36);
        netns = PREFIX + pid + "-" + n;
        outer = "zo" + id;
        inner = "zi" + id;
        subnet = freeSubnet(pid, n);
        innerIp = "10.213." + subnet + ".2";
        outerIp = "10.213." + subnet + ".1";
        innerIp6 = "fd7a:213:" + Integer.toHexString(subnet) + "::2";
        outerIp6 = "fd7a:213:" + Integer.toHexString(subnet) + "::1";
        boolean ok = false;
        try {
            ip("netns", "add", netns);
            String q = Integer.toString(queues);
            ip("link", "add", outer, "numtxqueues", q, "numrxqueues", q, "type", "veth", "peer", "name", inner,
                "numtxqueues", q, "numrxqueues", q, "netns", netns);
            ip("link", "set", outer, "up");
            ip("-n", netns, "link", "set", inner, "up");
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    /**
     * A 10.213.X.0/24 of this pair's own: no address or route of this host's namespace uses it (another pair, the
     * demo, a second test run), so two pairs never share an address in the host namespace.
     */
    private static int freeSubnet(long pid, int n) {
        String used = ip("-4", "-o", "addr", "show") + ip("-4", "route", "show");
        for (int k = 0; k < 250; k++) {
            int x = (int) ((pid + 37L * n + k) % 250) + 1;
            if (!used.contains("10.213." + x + ".")) {
                return x;
            }
        }
        throw new IllegalStateException("every 10.213.X.0/24 is in use on this host; remove stale test interfaces");
    }

    /**
     * Gives the inner end {@link #innerIp}/24 and a permanent neighbour entry for {@link #outerIp} with the outer
     * end's MAC, so UDP from the namespace needs no ARP (the outer end's frames all go to AF_XDP, not the stack).
     */
    public VethPair withUdpPath() {
        ip("-n", netns, "addr", "add", innerIp + "/24", "dev", inner);
        ip("-n", netns, "neigh", "add", outerIp, "lladdr", mac(outer), "dev", inner, "nud", "permanent");
        return this;
    }

    /**
     * Gives both ends IPv6 addresses ({@link #outerIp6}, {@link #innerIp6}, /64, no duplicate address detection so
     * they work at once) and the inner end a permanent neighbour entry for the outer one, as {@link #withUdpPath}
     * does for IPv4.
     */
    public VethPair withIpv6() {
        ip("addr", "add", outerIp6 + "/64", "dev", outer, "nodad");
        ip("-n", netns, "addr", "add", innerIp6 + "/64", "dev", inner, "nodad");
        ip("-n", netns, "neigh", "add", outerIp6, "lladdr", mac(outer), "dev", inner, "nud", "permanent");
        return this;
    }

    /** Sets the MTU of both ends (jumbo frames: 9000), as {@code ip link set DEV mtu N} does. */
    public VethPair withMtu(int mtu) {
        ip("link", "set", outer, "mtu", Integer.toString(mtu));
        ip("-n", netns, "link", "set", inner, "mtu", Integer.toString(mtu));
        return this;
    }

    /** Gives the outer end {@link #outerIp}/24 too, so frames the XDP program passes reach sockets of this host. */
    public VethPair withOuterAddress() {
        ip("addr", "add", outerIp + "/24", "dev", outer);
        return this;
    }

    /**
     * A {@code size}-byte Ethernet/IPv4/UDP frame from the inner end ({@link #innerIp}:12345) to the outer one
     * ({@link #outerIp}:{@code dstPort}), addressed to the outer end's MAC, valid IP checksum: what a generator
     * in the namespace sends.
     */
    public byte[] udpFrameToOuter(int size, int dstPort) {
        if (size < UdpFlow.PAYLOAD_OFFSET || size > 1514) {
            throw new IllegalArgumentException("a UDP test frame is " + UdpFlow.PAYLOAD_OFFSET
                + " to 1514 bytes, not " + size);
        }
        java.lang.foreign.MemorySegment f = java.lang.foreign.MemorySegment.ofArray(new byte[size]);
        java.util.HexFormat hex = java.util.HexFormat.ofDelimiter(":");
        UdpFrame.writeHeaders(f, hex.parseHex(mac(outer)), new byte[] {2, 0, 0, 0, 0, 2},
            new byte[] {10, (byte) 213, (byte) subnet, 2}, new byte[] {10, (byte) 213, (byte) subnet, 1}, 12345, dstPort,
            size - UdpFlow.PAYLOAD_OFFSET);
        return f.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /**
     * Makes the outer end's NAPI threaded (/sys/class/net/IF/threaded) and pins its kthreads ({@code napi/IF-ID})
     * to {@code cpu}, so the receive work of the outer end runs on the receiver's core, not on the sender's. veth
     * has NAPI only while an XDP program is attached (or GRO is on), and attaching one can make a new kthread:
     * call this after every attach. Returns how many kthreads were pinned.
     */
    public int pinNapi(int cpu) {
        return pinNapi(null, outer, cpu);
    }

    /** The same for the inner end (in {@link #netns}): where the far end of a transmit benchmark does its work. */
    public int pinInnerNapi(int cpu) {
        return pinNapi(netns, inner, cpu);
    }

    private static int pinNapi(String netns, String ifname, int cpu) {
        String threaded = "/sys/class/net/" + ifname + "/threaded";
        try {
            if (netns == null) {
                if (!java.nio.file.Files.readString(java.nio.file.Path.of(threaded)).trim().equals("1")) {
                    java.nio.file.Files.writeString(java.nio.file.Path.of(threaded), "1");
                }
            } else { // sysfs shows a namespace's devices only to a process that mounted it there: ip netns exec does
                run(List.of("ip", "netns", "exec", netns, "sh", "-c", "echo 1 > " + threaded));
            }
        } catch (IOException | IllegalStateException e) {
            throw new IllegalStateException("cannot make " + ifname + "'s NAPI threaded (" + e.getMessage() + "): "
                + "veth has NAPI only while an XDP program is attached; attach first", e);
        }
        String name = "napi/" + ifname + "-";
        int pinned = 0;
        java.io.File[] procs = new java.io.File("/proc").listFiles((d, n) -> n.chars().allMatch(Character::isDigit));
        for (java.io.File proc : procs == null ? new java.io.File[0] : procs) {
            String comm;
            try {
                comm = java.nio.file.Files.readString(proc.toPath().resolve("comm")).trim();
            } catch (IOException gone) {
                continue;
            }
            // comm is cut at 15 characters (TASK_COMM_LEN) on kernels that do not keep kthreads' full names
            if (comm.startsWith(name) || (comm.length() == 15 && name.startsWith(comm))) {
                CpuAffinity.pin(Long.parseLong(proc.getName()), cpu);
                pinned++;
            }
        }
        if (pinned == 0) {
            throw new IllegalStateException("no NAPI kthread of " + ifname + " found after setting threaded mode");
        }
        return pinned;
    }

    /** The inner end's MAC address (read in its namespace). */
    public String innerMac() {
        return ip("-n", netns, "-br", "link", "show", inner).trim().split("\\s+")[2];
    }

    /** The MAC address of an interface in this namespace. */
    public static String mac(String ifname) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/sys/class/net/" + ifname + "/address")).trim();
        } catch (IOException e) {
            throw new IllegalStateException("no MAC for " + ifname, e);
        }
    }

    /** Runs {@code ip args...}; throws with its output when it fails. */
    public static String ip(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).start();
            String out;
            try (var in = p.getInputStream()) { // closed now, not when the Process is collected: no pipe lingers
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " hung");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage()
                + " (iproute2 missing? run-tests.sh installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void removeStale() {
        String list;
        try {
            list = ip("netns", "list");
        } catch (IllegalStateException e) {
            return;
        }
        for (String line : list.split("\n")) {
            String name = line.split(" ")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String pidPart = name.substring(PREFIX.length()).split("-")[0];
            try {
                long pid = Long.parseLong(pidPart);
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                ip("netns", "del", name); // deleting the namespace deletes its veth end, and with it the pair
            } catch (RuntimeException ignored) {
                // not ours, or already gone
            }
        }
    }

    @Override
    public void close() {
        try {
            ip("link", "del", outer);
        } catch (IllegalStateException ignored) {
            // never created, or gone with the namespace
        }
        try {
            ip("netns", "del", netns);
        } catch (IllegalStateException ignored) {
            // never created
        }
    }
}
