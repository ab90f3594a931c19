package io.zcnbrh.numa;

import io.zcnbrh.error.ZcnbrhException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The machine's NUMA nodes and the CPUs of each, read from sysfs
 * ({@code /sys/devices/system/node/online} and {@code nodeN/cpulist}, Documentation/ABI/stable/sysfs-devices-node).
 * The root is a parameter so that tests can read a fixture tree of a multi-node machine.
 */
public final class NumaTopology {
    /** The real sysfs root of the running machine. */
    public static final Path SYSFS_NODES = Path.of("/sys/devices/system/node");

    private final BitSet onlineNodes;
    private final BitSet[] cpusOfNode;

    private NumaTopology(BitSet onlineNodes, BitSet[] cpusOfNode) {
        this.onlineNodes = onlineNodes;
        this.cpusOfNode = cpusOfNode;
    }

    /** The topology of the running machine; a machine without the node directory is one node holding every CPU. */
    public static NumaTopology current() {
        if (!Files.isDirectory(SYSFS_NODES)) {
            BitSet nodes = new BitSet();
            nodes.set(0);
            BitSet cpus = new BitSet();
            cpus.set(0, Runtime.getRuntime().availableProcessors());
            return new NumaTopology(nodes, new BitSet[] {cpus});
        }
        return read(SYSFS_NODES);
    }

    /** Reads the topology under {@code nodeRoot} (a directory shaped like /sys/devices/system/node). */
    public static NumaTopology read(Path nodeRoot) {
        BitSet online = parseList(readTrimmed(nodeRoot.resolve("online")));
        BitSet[] cpus = new BitSet[Math.max(online.length(), 1)];
        for (int node = online.nextSetBit(0); node >= 0; node = online.nextSetBit(node + 1)) {
            Path cpulist = nodeRoot.resolve("node" + node).resolve("cpulist");
            cpus[node] = Files.exists(cpulist) ? parseList(readTrimmed(cpulist)) : new BitSet();
        }
        return new NumaTopology(online, cpus);
    }

    private static String readTrimmed(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new ZcnbrhException("cannot read NUMA topology from " + file + ": " + e.getMessage()
                + " (is sysfs mounted at /sys?)", e);
        }
    }

    /** Parses the kernel's list format ({@code "0-3,8,10-11"}, lib/bitmap.c bitmap_parselist). */
    public static BitSet parseList(String list) {
        BitSet bits = new BitSet();
        if (list.isEmpty()) {
            return bits;
        }
        for (String part : list.split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                if (dash < 0) {
                    bits.set(Integer.parseInt(p));
                } else {
                    int from = Integer.parseInt(p.substring(0, dash));
                    int to = Integer.parseInt(p.substring(dash + 1));
                    if (to < from) {
                        throw new NumberFormatException("descending range");
                    }
                    bits.set(from, to + 1);
                }
            } catch (NumberFormatException e) {
                throw new ZcnbrhException("malformed sysfs list '" + list + "' at '" + p + "'", e);
            }
        }
        return bits;
    }

    /** The online nodes in ascending order. */
    public List<Integer> nodes() {
        List<Integer> nodes = new ArrayList<>();
        onlineNodes.stream().forEach(nodes::add);
        return nodes;
    }

    /** Whether {@code node} is online. */
    public boolean isOnline(int node) {
        return node >= 0 && onlineNodes.get(node);
    }

    /** The CPUs of {@code node}; throws with the list of online nodes when it is not online. */
    public BitSet cpusOf(int node) {
        if (!isOnline(node)) {
            throw new ZcnbrhException("NUMA node " + node + " is not online; online nodes: " + nodes());
        }
        return (BitSet) cpusOfNode[node].clone();
    }

    /** The node that holds {@code cpu}, or -1. */
    public int nodeOfCpu(int cpu) {
        for (int node = onlineNodes.nextSetBit(0); node >= 0; node = onlineNodes.nextSetBit(node + 1)) {
            if (cpusOfNode[node].get(cpu)) {
                return node;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NumaTopology{");
        for (int node = onlineNodes.nextSetBit(0); node >= 0; node = onlineNodes.nextSetBit(node + 1)) {
            sb.append("node").append(node).append("=cpus").append(cpusOfNode[node]).append(' ');
        }
        return sb.append('}').toString();
    }
}
