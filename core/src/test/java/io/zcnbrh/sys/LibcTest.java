package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The C library through FFM: calls that fail report the errno by name and the caller's hint, never a crash. */
@Tag("unit")
class LibcTest {
    @Test
    void failingCallsNameTheirErrnoAndHint() {
        // one convention: a call that makes a resource throws with the caller's hint; every other call returns
        // the kernel's result, >= 0 or -errno, and Libc.orThrow turns a failure into the same exception
        SyscallException checked = assertThrows(SyscallException.class,
            () -> Libc.orThrow(Libc.unlink("/tmp/zcnbrh-no-such-file-" + System.nanoTime()), "unlink", e -> "gone"));
        assertEquals(Errno.ENOENT, checked.errno());
        assertTrue(checked.getMessage().startsWith("ENOENT from unlink: gone"), checked.getMessage());
        assertEquals(7, Libc.orThrow(7, "a success", ErrnoHint.NONE));
        SyscallException mmap = assertThrows(SyscallException.class, () -> Libc.mmap(0, Libc.PROT_READ,
            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "nothing", e -> "a length of 0"));
        assertTrue(mmap.getMessage().contains("EINVAL") && mmap.getMessage().contains("a length of 0"), mmap.getMessage());
        SyscallException memfd = assertThrows(SyscallException.class,
            () -> Libc.memfdCreate("bad flags", 0x7fff0000, e -> "flags"));
        assertTrue(memfd.getMessage().contains("memfd_create") && memfd.getMessage().contains("EINVAL"),
            memfd.getMessage());
        SyscallException truncate = assertThrows(SyscallException.class, () -> Libc.ftruncate(-1, 4096, e -> ""));
        assertEquals(Errno.EBADF, truncate.errno());
        SyscallException socket = assertThrows(SyscallException.class,
            () -> Libc.socket(12345, 2, 0, "socket(12345)", e -> "no such family"));
        assertTrue(socket.getMessage().contains("no such family"), socket.getMessage());
        assertEquals(-Errno.EBADF, Libc.close(-1));
        assertEquals(-Errno.EBADF, Libc.shutdown(-1));
        assertEquals(-Errno.ENOENT, Libc.unlink("/tmp/zcnbrh-no-such-file-" + System.nanoTime()));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment page = Libc.mmap(4096, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0, "one page", e -> "");
            assertEquals(-Errno.EINVAL, Libc.madvise(page, 12345), "an advice the kernel does not know");
            Libc.munmap(page);
            assertTrue(Libc.syscall(Libc.newCallState(a), 39, 0, 0, 0, 0, 0, 0) > 0, "getpid(2) through syscall");
        }
    }
}
