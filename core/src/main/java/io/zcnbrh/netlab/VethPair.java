package io.zcnbrh.netlab;

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

    /** The address the inner end gets for UDP tests, and the one it sends to (the outer end, which has no stack). */
    public static final String INNER_IP = "10.213.0.2";
    /** See {@link #INNER_IP}. */
    public static final String OUTER_IP = "10.213.0.1";

    /**
     * Gives the inner end {@link #INNER_IP}/24 and a permanent neighbour entry for {@link #OUTER_IP} with the outer
     * end's MAC, so UDP from the namespace needs no ARP (the outer end's frames all go to AF_XDP, not the stack).
     */
    public VethPair withUdpPath() {
        ip("-n", netns, "addr", "add", INNER_IP + "/24", "dev", inner);
        ip("-n", netns, "neigh", "add", OUTER_IP, "lladdr", mac(outer), "dev", inner, "nud", "permanent");
        return this;
    }

    /** Gives the outer end {@link #OUTER_IP}/24 too, so frames the XDP program passes reach sockets of this host. */
    public VethPair withOuterAddress() {
        ip("addr", "add", OUTER_IP + "/24", "dev", outer);
        return this;
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
