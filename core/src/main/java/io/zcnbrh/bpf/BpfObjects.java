package io.zcnbrh.bpf;

import io.zcnbrh.bpf.sys.BpfCommand;
import io.zcnbrh.bpf.sys.BpfSyscall;
import io.zcnbrh.bpf.sys.ObjAttr;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.sys.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Pinning BPF objects in bpffs and opening pinned ones (BPF_OBJ_PIN, BPF_OBJ_GET), mounting bpffs when missing. */
public final class BpfObjects {
    /** Where bpffs is mounted by convention. */
    public static final Path BPFFS = Path.of("/sys/fs/bpf");

    private BpfObjects() {
    }

    /** Whether bpffs is mounted at /sys/fs/bpf (from /proc/self/mounts). */
    public static boolean bpffsMounted() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ").length > 2 && l.split(" ")[1].equals(BPFFS.toString())
                    && l.split(" ")[2].equals("bpf"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Mounts bpffs at /sys/fs/bpf unless it is there (needs CAP_SYS_ADMIN). */
    public static void ensureBpffs() {
        if (bpffsMounted()) {
            return;
        }
        Libc.orThrow(Libc.mount("bpf", BPFFS.toString(), "bpf", 0), "mount(bpf, " + BPFFS + ")",
            e -> e == Errno.EPERM ? "mounting bpffs needs root; or mount it once: `mount -t bpf bpf /sys/fs/bpf`" : "");
    }

    static void pin(int fd, Path path) {
        if (path.startsWith(BPFFS)) {
            ensureBpffs();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ObjAttr.SIZE, 8);
            attr.set(JAVA_LONG, ObjAttr.PATHNAME, arena.allocateFrom(path.toString()).address());
            attr.set(JAVA_INT, ObjAttr.BPF_FD, fd);
            long rc = BpfSyscall.call(BpfCommand.OBJ_PIN, attr);
            if (rc < 0) {
                int errno = (int) -rc;
                String hint = switch (errno) {
                    case Errno.EEXIST -> "something is already pinned there; unlink it or pick another path";
                    case Errno.EPERM -> "the path is not on a bpffs mount (pin under " + BPFFS + ")";
                    case Errno.ENOENT -> "the parent directory does not exist";
                    default -> BpfSyscall.hint(errno);
                };
                throw new SyscallException("bpf(BPF_OBJ_PIN " + path + ")", errno, hint);
            }
        }
    }

    static int get(Path path) {
        if (path.startsWith(BPFFS)) {
            ensureBpffs();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ObjAttr.SIZE, 8);
            attr.set(JAVA_LONG, ObjAttr.PATHNAME, arena.allocateFrom(path.toString()).address());
            long rc = BpfSyscall.call(BpfCommand.OBJ_GET, attr);
            if (rc < 0) {
                int errno = (int) -rc;
                throw new SyscallException("bpf(BPF_OBJ_GET " + path + ")", errno,
                    errno == Errno.ENOENT ? "nothing is pinned there" : BpfSyscall.hint(errno));
            }
            return (int) rc;
        }
    }

    /** Removes a pin (the object lives on while fds or attachments hold it). */
    public static void unpin(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new ZcnbrhException("cannot remove pin " + path + ": " + e.getMessage(), e);
        }
    }
}
