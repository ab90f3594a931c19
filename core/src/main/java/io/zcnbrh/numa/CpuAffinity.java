package io.zcnbrh.numa;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Pins a thread to one CPU with {@code sched_setaffinity(2)} (tid 0 = the calling thread). */
public final class CpuAffinity {
    private static final long SCHED_SETAFFINITY = "aarch64".equals(System.getProperty("os.arch")) ? 122 : 203;

    private CpuAffinity() {
    }

    /** Pins the current thread to {@code cpu}. */
    public static void pinCurrentThread(int cpu) {
        pin(0, cpu);
    }

    /** Pins thread {@code tid} (any thread of the machine, e.g. a NAPI kthread; 0: the caller) to {@code cpu}. */
    public static void pin(long tid, int cpu) {
        if (cpu < 0 || cpu >= 1024) {
            throw new IllegalArgumentException("CPU must be 0..1023, was " + cpu);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(128, 8);
            mask.setAtIndex(JAVA_LONG, cpu / 64, 1L << (cpu % 64));
            long rc = Libc.syscall(SCHED_SETAFFINITY, tid, mask.byteSize(), mask.address(), 0, 0, 0);
            if (rc < 0) {
                throw new SyscallException("sched_setaffinity(" + (tid == 0 ? "" : "tid " + tid + ", ") + "cpu " + cpu
                    + ")", (int) -rc,
                    (int) -rc == Errno.EINVAL ? "CPU " + cpu + " is not online or not allowed here (see nproc)" : "");
            }
        }
    }
}
