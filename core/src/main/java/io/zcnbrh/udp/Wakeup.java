package io.zcnbrh.udp;

import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.SyscallNumbers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A way to end a {@link UdpSocket#await} early from another thread: an eventfd (eventfd(2)), which the wait polls
 * beside the port. An event loop owns one and calls {@link #wake()} when a task is submitted to it.
 */
public final class Wakeup implements AutoCloseable {
    private static final int EFD_NONBLOCK = 04000, EFD_CLOEXEC = 02000000;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one = arena.allocate(JAVA_LONG);
    private final MemorySegment drained = arena.allocate(JAVA_LONG);
    private final MemorySegment wakeState = Libc.newCallState(arena);
    private final MemorySegment drainState = Libc.newCallState(arena);
    private volatile boolean closed;

    private Wakeup(int fd) {
        this.fd = fd;
        one.set(JAVA_LONG, 0, 1);
    }

    /** A new eventfd, non-blocking. */
    public static Wakeup open() {
        long fd = Libc.syscall(SyscallNumbers.EVENTFD2, 0, EFD_NONBLOCK | EFD_CLOEXEC, 0, 0, 0, 0);
        if (fd < 0) {
            throw new SyscallException("eventfd2", (int) -fd, "the wake-up of an event loop needs an eventfd");
        }
        return new Wakeup((int) fd);
    }

    /** Ends a wait on this wake-up now, or the next one at once (any thread; allocates nothing). */
    public synchronized void wake() {
        if (!closed) {
            Libc.syscall(wakeState, SyscallNumbers.WRITE, fd, one.address(), 8, 0, 0, 0);
        }
    }

    /** Takes back what {@link #wake} signalled (the waiting thread, after its wait). */
    void drain() {
        Libc.syscall(drainState, SyscallNumbers.READ, fd, drained.address(), 8, 0, 0, 0);
    }

    int fd() {
        return fd;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }
}
