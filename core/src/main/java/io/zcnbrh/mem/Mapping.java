package io.zcnbrh.mem;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.numa.MemoryPolicy;
import io.zcnbrh.sys.ErrnoHint;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * A page-aligned, pre-faulted memory mapping that is never on the Java heap: anonymous, a memfd, or a file
 * (under /dev/shm to share it between processes by name). Optionally huge pages and optionally bound to
 * one NUMA node; {@link #placement()} reports where the pages really are.
 */
public final class Mapping implements AutoCloseable {
    private final MemorySegment raw;
    private final Arena arena;
    private final MemorySegment segment;
    private final int fd;
    private final PageSize pageSize;
    private final int boundNode;
    private final String description;
    private boolean closed;

    /** Mappings made and not yet closed, in this process (for leak audits: open/close cycles, fault tests). */
    private static final java.util.concurrent.atomic.AtomicInteger LIVE = new java.util.concurrent.atomic.AtomicInteger();

    private Mapping(MemorySegment raw, int fd, PageSize pageSize, int boundNode, String description) {
        LIVE.incrementAndGet();
        this.raw = raw;
        // Every view is scoped to a shared arena: after close() an access throws instead of touching unmapped memory.
        this.arena = Arena.ofShared();
        this.segment = raw.reinterpret(arena, null);
        this.fd = fd;
        this.pageSize = pageSize;
        this.boundNode = boundNode;
        this.description = description;
    }

    /** Private anonymous memory of at least {@code length} bytes; {@code numaNode < 0} means no binding. */
    public static Mapping anonymous(long length, PageSize pageSize, int numaNode) {
        long size = pageSize.roundUp(length);
        int flags = Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | (pageSize == PageSize.HUGE_2M ? Libc.MAP_HUGETLB : 0);
        return mapAndPlace(size, flags, -1, pageSize, numaNode, "anonymous", true);
    }

    /**
     * Maps {@code length} bytes of a descriptor another process passed (a memfd over SCM_RIGHTS: the zcnbrhd
     * daemon's UMEM); the mapping owns the descriptor and closes it with itself.
     */
    public static Mapping ofDescriptor(int fd, long length, String description) {
        MemorySegment raw = Libc.mmap(length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd,
            0, description, e -> "");
        return new Mapping(raw, fd, PageSize.BASE, -1, description);
    }

    /** A memfd of at least {@code length} bytes, shareable by passing {@link #fd()} to another process. */
    public static Mapping memfd(String name, long length, PageSize pageSize, int numaNode) {
        long size = pageSize.roundUp(length);
        int fd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC | (pageSize == PageSize.HUGE_2M ? Libc.MFD_HUGETLB : 0),
            e -> e == Errno.EINVAL && pageSize == PageSize.HUGE_2M
                ? "this kernel has no hugetlbfs support for memfd (MFD_HUGETLB)" : "");
        try {
            Libc.ftruncate(fd, size, e -> e == Errno.EINVAL && pageSize == PageSize.HUGE_2M
                ? HugePagePool.reserveAdvice(size) : "");
            return mapAndPlace(size, Libc.MAP_SHARED, fd, pageSize, numaNode, "memfd " + name, true);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Creates {@code path} exclusively with permission bits {@code mode} (file permissions decide who may
     * attach) and maps {@code length} bytes of it shared.
     */
    public static Mapping createFile(Path path, long length, int mode, int numaNode) {
        long size = PageSize.BASE.roundUp(length);
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, mode, e -> switch (e) {
            case Errno.EEXIST -> "another port already uses this name; pick another name, or remove the stale file "
                + path + " if its owner is gone";
            case Errno.EACCES -> "no permission to create files in " + path.getParent();
            case Errno.ENOENT -> path.getParent() + " does not exist (is /dev/shm mounted?)";
            default -> "";
        });
        try {
            Libc.ftruncate(fd, size, e -> e == Errno.ENOSPC ? path.getParent() + " is full" : "");
            return mapAndPlace(size, Libc.MAP_SHARED, fd, PageSize.BASE, numaNode, "file " + path, true);
        } catch (RuntimeException e) {
            Libc.close(fd);
            Libc.unlink(path.toString());
            throw e;
        }
    }

    /**
     * Maps an existing file created by {@link #createFile}, shared, read-write. The file is not trusted: a symbolic
     * link is refused (O_NOFOLLOW), and so is anything but a regular file owned by this user or root that others
     * cannot write (another user could have planted it to read or feed this process's traffic); the size is read
     * from the open descriptor, not by path, so a file swapped in between cannot change it.
     */
    public static Mapping openFile(Path path) {
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_NOFOLLOW, 0, e -> switch (e) {
            case Errno.ENOENT -> "no such port; start the side that creates it first";
            case Errno.EACCES -> "the file's permissions do not let this user attach; ask its owner to widen them";
            case 40 -> "it is a symbolic link, which is never followed (ELOOP): someone may have planted it";
            default -> "";
        });
        try {
            Libc.FileStatus st = Libc.fstat(fd);
            int me = Libc.geteuid();
            if (!st.regular() || (st.uid() != me && st.uid() != 0) || (st.mode() & 0002) != 0) {
                throw new UntrustedFileException(path + " is not a region to trust: " + (!st.regular() ? "not a regular file"
                    : (st.mode() & 0002) != 0 ? "writable by every user (mode " + Integer.toOctalString(st.mode() & 0777)
                    + ")" : "owned by uid " + st.uid() + ", not by this user (" + me + ") or root")
                    + "; another user may have planted it. Remove it if it is not yours, or create the port again");
            }
            long size = st.size();
            if (size == 0 || size % PageSize.BASE.bytes() != 0) {
                throw new ZcnbrhException(path + " has size " + size + ", which is not a Z-CNBRH region; "
                    + "its creator may still be initialising it or it is a foreign file");
            }
            return mapAndPlace(size, Libc.MAP_SHARED, fd, PageSize.BASE, -1, "file " + path, false);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static Mapping mapAndPlace(long size, int flags, int fd, PageSize pageSize, int numaNode, String what,
                                       boolean fresh) {
        ErrnoHint hint = e -> e == Errno.ENOMEM && pageSize == PageSize.HUGE_2M ? HugePagePool.reserveAdvice(size)
            : e == Errno.ENOMEM ? "not enough memory for " + size + " bytes" : "";
        int prot = Libc.PROT_READ | Libc.PROT_WRITE;
        String call = what + (pageSize == PageSize.HUGE_2M ? ", MAP_HUGETLB" : "");
        if (numaNode < 0) {
            // No binding: let the kernel fault every page in now (MAP_POPULATE), so the data path never page-faults.
            MemorySegment seg = Libc.mmap(size, prot, flags | Libc.MAP_POPULATE, fd, 0, call, hint);
            return new Mapping(seg, fd, pageSize, -1, what);
        }
        // Bind first, then fault in: pages faulted before mbind would be placed by the default (local) policy.
        MemorySegment seg = Libc.mmap(size, prot, flags, fd, 0, call, hint);
        try {
            MemoryPolicy.bind(seg, numaNode);
            prefault(seg, pageSize, fresh);
            // Verify, don't assume: ask the kernel where the pages really are (move_pages in query mode).
            Map<Integer, Integer> placed = MemoryPolicy.pageNodes(seg, pageSize.bytes(), 1024);
            if (!placed.keySet().equals(Set.of(numaNode))) {
                throw new ZcnbrhException("asked for NUMA node " + numaNode + " but the pages of " + what
                    + " are on nodes (node -> sampled pages) " + placed + "; check the node's free memory"
                    + " (/sys/devices/system/node/node" + numaNode + "/meminfo)");
            }
        } catch (RuntimeException e) {
            Libc.munmap(seg);
            throw e;
        }
        return new Mapping(seg, fd, pageSize, numaNode, what);
    }

    private static void prefault(MemorySegment seg, PageSize pageSize, boolean fresh) {
        int rc = -Libc.madvise(seg, Libc.MADV_POPULATE_WRITE); // the errno, or 0
        if (rc == 0) {
            return;
        }
        if (rc == Errno.ENOMEM && pageSize == PageSize.HUGE_2M) {
            throw new ZcnbrhException("ENOMEM from madvise(MADV_POPULATE_WRITE): "
                + HugePagePool.reserveAdvice(seg.byteSize()));
        }
        if (!fresh) {
            return; // never write into memory another process may already use
        }
        // Kernels before 5.14 lack MADV_POPULATE_WRITE (EINVAL): touch one byte per page instead.
        for (long off = 0; off < seg.byteSize(); off += pageSize.bytes()) {
            seg.set(ValueLayout.JAVA_BYTE, off, (byte) 0);
        }
    }

    /** The mapped memory. */
    public MemorySegment segment() {
        return segment;
    }

    /** The backing file descriptor, or -1 for anonymous memory. */
    public int fd() {
        return fd;
    }

    /** The page size backing this mapping. */
    public PageSize pageSize() {
        return pageSize;
    }

    /** The NUMA node the mapping was bound to, or -1 when unbound. */
    public int boundNode() {
        return boundNode;
    }

    /** Where the pages are: node -> sampled page count (see {@link MemoryPolicy#pageNodes}). */
    public Map<Integer, Integer> placement() {
        return MemoryPolicy.pageNodes(segment, pageSize.bytes(), 1024);
    }

    /** The single node all sampled pages are on, or -1 when they are spread or not present. */
    public int placedNode() {
        Map<Integer, Integer> p = placement();
        if (p.size() == 1) {
            int node = p.keySet().iterator().next();
            return node >= 0 ? node : -1;
        }
        return -1;
    }

    @Override
    public String toString() {
        return description + " " + segment.byteSize() + " bytes, " + pageSize
            + (boundNode >= 0 ? ", bound to node " + boundNode : "");
    }

    /** How many mappings of this class are live in this process now. */
    public static int live() {
        return LIVE.get();
    }

    /** Unmaps the memory and closes the backing fd; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.decrementAndGet();
        arena.close();
        Libc.munmap(raw);
        if (fd >= 0) {
            Libc.close(fd);
        }
    }
}
