package io.zcnbrh.backend.shm;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Whether each side of a region is alive, told by the kernel rather than by PIDs: each side holds an open file
 * description lock (fcntl(2) F_OFD_SETLK, write lock) on one byte of the region file for as long as its descriptor
 * is open. The kernel drops it when the process exits however it ends; another process, in any PID namespace,
 * asks with F_OFD_GETLK. A PID in the header says nothing across namespaces (two containers of one pod share
 * /dev/shm but not PIDs): there a live peer's PID looks dead, or a dead one's belongs to someone else.
 */
final class ShmLiveness {
    private static final int F_OFD_GETLK = 36, F_OFD_SETLK = 37;
    private static final short F_WRLCK = 1, F_UNLCK = 2;
    /** Side s's lock byte: past the header's fields, inside the header page. */
    private static final long LOCK_BYTE = 1024;

    private ShmLiveness() {
    }

    private static MemorySegment flock(Arena a, short type, int side) {
        MemorySegment f = a.allocate(32, 8); // struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD)
        f.set(JAVA_SHORT, 0, type);
        f.set(JAVA_SHORT, 2, (short) 0); // SEEK_SET
        f.set(JAVA_LONG, 8, LOCK_BYTE + side);
        f.set(JAVA_LONG, 16, 1);
        f.set(JAVA_INT, 24, 0);
        return f;
    }

    /** Takes side {@code side}'s lock through {@code fd}; false if a live process holds it already. */
    static boolean take(int fd, int side) {
        try (Arena a = Arena.ofConfined()) {
            int rc = Libc.fcntl(fd, F_OFD_SETLK, flock(a, F_WRLCK, side));
            if (rc == -Errno.EAGAIN || rc == -Errno.EACCES) {
                return false;
            }
            if (rc < 0) {
                throw new SyscallException("fcntl(F_OFD_SETLK, side " + side + " of a shm region)", -rc,
                    rc == -Errno.EINVAL ? "open file description locks need Linux 3.15" : "");
            }
            return true;
        }
    }

    /** Whether a process (this one through another descriptor included) holds side {@code side}'s lock. */
    static boolean held(int fd, int side) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment f = flock(a, F_WRLCK, side);
            int rc = Libc.fcntl(fd, F_OFD_GETLK, f);
            if (rc < 0) {
                throw new ZcnbrhException("fcntl(F_OFD_GETLK) on a shm region failed: " + Errno.name(-rc));
            }
            return f.get(JAVA_SHORT, 0) != F_UNLCK;
        }
    }
}
