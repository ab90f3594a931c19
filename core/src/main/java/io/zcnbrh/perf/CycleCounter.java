package io.zcnbrh.perf;

import io.zcnbrh.error.Errno;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.SyscallNumbers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * CPU cycles spent by the calling thread, from perf_event_open(2) (PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,
 * user and kernel). Where the machine has no cycle counter (a VM without a virtual PMU) {@link #open()} returns
 * null and {@link #unavailableReason()} says why, so callers report "not measured" instead of a made-up figure.
 */
public final class CycleCounter implements AutoCloseable {
    private static final long SYS_PERF_EVENT_OPEN = SyscallNumbers.PERF_EVENT_OPEN,
        SYS_READ = SyscallNumbers.READ, SYS_IOCTL = SyscallNumbers.IOCTL;
    private static final long PERF_EVENT_IOC_ENABLE = 0x2400, PERF_EVENT_IOC_RESET = 0x2403;
    private static volatile String reason;

    private final int fd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment value = arena.allocate(8, 8);

    private CycleCounter(int fd) {
        this.fd = fd;
    }

    /** A counter of this thread's cycles, started; null when perf has none here. */
    public static CycleCounter open() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(128, 8);
            attr.set(JAVA_INT, 0, 0);          // PERF_TYPE_HARDWARE
            attr.set(JAVA_INT, 4, 128);        // size
            attr.set(JAVA_LONG, 8, 0);         // PERF_COUNT_HW_CPU_CYCLES
            attr.set(JAVA_LONG, 40, 1L << 6);  // exclude_hv; enabled from the start
            long fd = Libc.syscall(SYS_PERF_EVENT_OPEN, attr.address(), 0, -1, -1, 0, 0);
            if (fd < 0) {
                reason = Errno.name((int) -fd) + " from perf_event_open(CPU cycles)" + ((int) -fd == Errno.ENOENT
                    ? ": no hardware cycle counter here (a VM without a virtual PMU?)" : (int) -fd == Errno.EACCES
                    ? ": perf_event_paranoid forbids it (needs CAP_PERFMON)" : "");
                return null;
            }
            Libc.syscall(SYS_IOCTL, fd, PERF_EVENT_IOC_RESET, 0, 0, 0, 0);
            Libc.syscall(SYS_IOCTL, fd, PERF_EVENT_IOC_ENABLE, 0, 0, 0, 0);
            return new CycleCounter((int) fd);
        }
    }

    /** Why {@link #open()} returned null, or null when it has not failed. */
    public static String unavailableReason() {
        return reason;
    }

    /** Cycles counted so far. */
    public long read() {
        long n = Libc.syscall(SYS_READ, fd, value.address(), 8, 0, 0, 0);
        return n == 8 ? value.get(JAVA_LONG, 0) : -1;
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
