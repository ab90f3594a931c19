package io.zcnbrh.numa;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.SyscallNumbers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.TreeMap;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NUMA placement of mapped memory: {@code mbind(2)} to bind, {@code get_mempolicy(2)} and {@code move_pages(2)}
 * to verify where the pages actually are (include/uapi/linux/mempolicy.h).
 */
public final class MemoryPolicy {
    static final int MPOL_BIND = 2;
    static final int MPOL_MF_STRICT = 1;
    static final int MPOL_MF_MOVE = 2;
    static final int MPOL_F_NODE = 1;
    static final int MPOL_F_ADDR = 2;
    /** The kernel reads maxnode-1 bits (mm/mempolicy.c get_nodes); 65 selects exactly one 64-bit word. */
    private static final long MAX_NODE = 65;

    private MemoryPolicy() {
    }

    /** Binds {@code range} to {@code node} with MPOL_BIND, moving pages that are already elsewhere. */
    public static void bind(MemorySegment range, int node) {
        if (node < 0 || node >= 64) {
            throw new IllegalArgumentException("NUMA node must be 0..63, was " + node);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(JAVA_LONG, 2);
            mask.setAtIndex(JAVA_LONG, 0, 1L << node);
            long rc = Libc.syscall(SyscallNumbers.MBIND, range.address(), range.byteSize(), MPOL_BIND,
                mask.address(), MAX_NODE, MPOL_MF_MOVE | MPOL_MF_STRICT);
            if (rc < 0) {
                int errno = (int) -rc;
                String hint = switch (errno) {
                    case Errno.EINVAL -> "node " + node + " is not online here; online nodes: "
                        + NumaTopology.current().nodes();
                    case Errno.ENOSYS -> "this kernel was built without CONFIG_NUMA; leave numaNode unset";
                    case Errno.EIO -> "pages could not be moved to node " + node;
                    case Errno.EPERM -> "moving shared pages needs CAP_SYS_NICE";
                    default -> "";
                };
                throw new SyscallException("mbind(MPOL_BIND, node " + node + ")", errno, hint);
            }
        }
    }

    /** The node of the page at {@code address} per {@code get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR)}; the page must be present. */
    public static int nodeOfAddress(long address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mode = arena.allocate(JAVA_INT);
            long rc = Libc.syscall(SyscallNumbers.GET_MEMPOLICY, mode.address(), 0, 0, address,
                MPOL_F_NODE | MPOL_F_ADDR, 0);
            if (rc < 0) {
                throw new SyscallException("get_mempolicy(MPOL_F_NODE|MPOL_F_ADDR)", (int) -rc,
                    (int) -rc == Errno.ENOSYS ? "this kernel was built without CONFIG_NUMA" : "");
            }
            return mode.get(JAVA_INT, 0);
        }
    }

    /**
     * Where the pages of {@code range} are: node -> page count, from {@code move_pages(2)} in query mode
     * (nodes == NULL). At most {@code maxSamples} pages, evenly spread, are asked; a negative key is
     * {@code -errno} for pages that are not present (e.g. -14, EFAULT, for a page never touched).
     */
    public static Map<Integer, Integer> pageNodes(MemorySegment range, long pageSize, int maxSamples) {
        long pages = range.byteSize() / pageSize;
        int count = (int) Math.min(pages, maxSamples);
        Map<Integer, Integer> nodes = new TreeMap<>();
        if (count == 0) {
            return nodes;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addrs = arena.allocate(JAVA_LONG, count);
            MemorySegment status = arena.allocate(JAVA_INT, count);
            long step = pages / count;
            for (int i = 0; i < count; i++) {
                addrs.setAtIndex(JAVA_LONG, i, range.address() + i * step * pageSize);
            }
            long rc = Libc.syscall(SyscallNumbers.MOVE_PAGES, 0, count, addrs.address(), 0, status.address(), 0);
            if (rc < 0) {
                throw new SyscallException("move_pages(query)", (int) -rc,
                    (int) -rc == Errno.ENOSYS ? "this kernel was built without CONFIG_NUMA" : "");
            }
            for (int i = 0; i < count; i++) {
                nodes.merge(status.getAtIndex(JAVA_INT, i), 1, Integer::sum);
            }
        }
        return nodes;
    }
}
