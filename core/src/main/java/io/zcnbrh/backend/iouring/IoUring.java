package io.zcnbrh.backend.iouring;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An io_uring instance driven through FFM, without liburing (include/uapi/linux/io_uring.h): io_uring_setup, the
 * three mappings (SQ ring, CQ ring, SQE array), submission by writing SQEs and publishing the SQ tail with a
 * release store, completion by reading the CQ tail with an acquire load and publishing our head with a release
 * store, io_uring_enter to submit and wait, io_uring_register for buffer rings and probes. One thread drives it.
 */
public final class IoUring implements AutoCloseable {
    static final long SYS_SETUP = 425, SYS_ENTER = 426, SYS_REGISTER = 427;
    static final int ENTER_GETEVENTS = 1;
    static final int SETUP_CQSIZE = 1 << 3, SETUP_SINGLE_ISSUER = 1 << 12, SETUP_DEFER_TASKRUN = 1 << 13,
        SETUP_CQE32 = 1 << 11, SETUP_COOP_TASKRUN = 1 << 8, SETUP_TASKRUN_FLAG = 1 << 9;
    static final int FEAT_SINGLE_MMAP = 1;
    static final int REGISTER_PROBE = 8, REGISTER_PBUF_RING = 22, UNREGISTER_PBUF_RING = 23;
    static final long OFF_SQ_RING = 0, OFF_CQ_RING = 0x8000000L, OFF_SQES = 0x10000000L;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int fd;
    private final Arena scope = Arena.ofShared();
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final MemorySegment rawSq;
    private final MemorySegment rawCq;
    private final MemorySegment rawSqes;
    private final int sqHead, sqTail, sqMask, sqArray, sqEntries;
    private final int cqHead, cqTail, cqMask, cqes, cqeSize;
    /** sq_off.flags: the kernel sets IORING_SQ_CQ_OVERFLOW there when completions did not fit the CQ ring. */
    private final int sqFlags;
    private static final int SQ_CQ_OVERFLOW = 1 << 1;
    /** sq_off.flags: with TASKRUN_FLAG the kernel sets IORING_SQ_TASKRUN while completions wait as task work. */
    private static final int SQ_TASKRUN = 1 << 2;
    private final MemorySegment callState = Libc.newCallState(scope);
    private int localTail;
    private int pending;
    private int cqLocalHead;
    private boolean closed;

    private final int setupFlags;

    /** Sets up a ring of {@code entries} SQEs and {@code cqEntries} CQEs with {@code flags}. */
    public IoUring(int entries, int cqEntries, int flags) {
        this.setupFlags = flags;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(120, 8);
            p.set(JAVA_INT, 4, cqEntries);
            p.set(JAVA_INT, 8, flags | SETUP_CQSIZE);
            long rc = Libc.syscall(SYS_SETUP, entries, p.address(), 0, 0, 0, 0);
            if (rc < 0) {
                throw new SyscallException("io_uring_setup(" + entries + ")", (int) -rc, switch ((int) -rc) {
                    case Errno.ENOSYS -> "this kernel has no io_uring (Linux 5.1+, CONFIG_IO_URING)";
                    case Errno.EPERM -> "io_uring is disabled here (sysctl kernel.io_uring_disabled)";
                    case Errno.ENOMEM -> "not enough locked memory for the rings (RLIMIT_MEMLOCK)";
                    default -> "";
                });
            }
            this.fd = (int) rc;
            this.sqEntries = p.get(JAVA_INT, 0);
            int cqn = p.get(JAVA_INT, 4);
            int features = p.get(JAVA_INT, 20);
            this.sqHead = p.get(JAVA_INT, 40);
            this.sqTail = p.get(JAVA_INT, 44);
            int sqMaskOffset = p.get(JAVA_INT, 48); // sq_off and cq_off hold offsets into the ring mappings

            this.sqFlags = p.get(JAVA_INT, 56);
            this.sqArray = p.get(JAVA_INT, 64);
            this.cqHead = p.get(JAVA_INT, 80);
            this.cqTail = p.get(JAVA_INT, 84);
            int cqMaskOffset = p.get(JAVA_INT, 88);

            this.cqes = p.get(JAVA_INT, 100);
            this.cqeSize = (flags & SETUP_CQE32) != 0 ? 32 : 16;
            long sqBytes = sqArray + 4L * sqEntries;
            long cqBytes = cqes + (long) cqeSize * cqn;
            try {
                if ((features & FEAT_SINGLE_MMAP) != 0) {
                    long bytes = Math.max(sqBytes, cqBytes);
                    rawSq = map(bytes, OFF_SQ_RING, "SQ/CQ rings");
                    rawCq = rawSq;
                } else {
                    rawSq = map(sqBytes, OFF_SQ_RING, "SQ ring");
                    rawCq = map(cqBytes, OFF_CQ_RING, "CQ ring");
                }
                rawSqes = map((long) Sqe.SIZE * sqEntries, OFF_SQES, "SQEs");
            } catch (RuntimeException e) {
                Libc.close(fd);
                throw e;
            }
            // views scoped to this ring: use after close throws instead of touching unmapped memory
            this.sqRing = rawSq.reinterpret(scope, null);
            this.cqRing = rawCq.reinterpret(scope, null);
            this.sqes = rawSqes.reinterpret(scope, null);
            this.sqMask = sqRing.get(JAVA_INT, sqMaskOffset);
            this.cqMask = cqRing.get(JAVA_INT, cqMaskOffset);
            this.localTail = (int) INT.getAcquire(sqRing, (long) sqTail);
            this.cqLocalHead = cqRing.get(JAVA_INT, cqHead);
        }
    }

    private MemorySegment map(long bytes, long offset, String what) {
        return Libc.mmap(bytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_POPULATE, fd, offset,
            "io_uring " + what, e -> "");
    }

    /** The flags it was set up with. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The ring's file descriptor. */
    public int fd() {
        return fd;
    }

    /** A multishot RECV on {@code fd} taking buffers from group {@code bufferGroup}; false when the SQ is full. */
    public boolean recvMultishot(int fd, int bufferGroup, long userData) {
        long sqe = prep(Sqe.OP_RECV, fd, 0, 0, userData);
        if (sqe < 0) {
            return false;
        }
        sqes.set(JAVA_SHORT, sqe + Sqe.IOPRIO, (short) Sqe.RECV_MULTISHOT);
        sqes.set(JAVA_BYTE, sqe + Sqe.FLAGS, (byte) Sqe.IOSQE_BUFFER_SELECT);
        sqes.set(JAVA_SHORT, sqe + Sqe.BUF_GROUP, (short) bufferGroup);
        return true;
    }

    /** A SEND (or SEND_ZC) of {@code len} bytes at native address {@code addr}; false when the SQ is full. */
    public boolean send(int fd, long addr, int len, boolean zeroCopy, long userData) {
        return prep(zeroCopy ? Sqe.OP_SEND_ZC : Sqe.OP_SEND, fd, addr, len, userData) >= 0;
    }

    /** Cancels every request on {@code fd} (ASYNC_CANCEL with CANCEL_ALL and CANCEL_FD); false when the SQ is full. */
    public boolean cancelAll(int fd, long userData) {
        long sqe = prep(Sqe.OP_ASYNC_CANCEL, fd, 0, 0, userData);
        if (sqe < 0) {
            return false;
        }
        sqes.set(JAVA_INT, sqe + Sqe.OP_FLAGS, Sqe.ASYNC_CANCEL_ALL_ON_FD);
        return true;
    }

    /** A NOP, completing at once with {@code userData}; false when the SQ is full. */
    public boolean nop(long userData) {
        return prep(Sqe.OP_NOP, -1, 0, 0, userData) >= 0;
    }

    /**
     * Takes the next SQE, cleared and filled with the common fields; returns its byte offset or -1 when the SQ is
     * full (submit first). Allocates nothing.
     */
    private long prep(int opcode, int fd, long addr, int len, long userData) {
        int head = (int) INT.getAcquire(sqRing, (long) sqHead); // the kernel's consumed SQEs are free again
        if (localTail - head >= sqEntries) {
            return -1;
        }
        int idx = localTail & sqMask;
        long sqe = (long) Sqe.SIZE * idx;
        for (int i = 0; i < Sqe.SIZE; i += 8) {
            sqes.set(JAVA_LONG, sqe + i, 0);
        }
        sqRing.set(JAVA_INT, sqArray + 4L * idx, idx);
        localTail++;
        pending++;
        sqes.set(JAVA_BYTE, sqe + Sqe.OPCODE, (byte) opcode);
        sqes.set(JAVA_INT, sqe + Sqe.FD, fd);
        sqes.set(JAVA_LONG, sqe + Sqe.ADDR, addr);
        sqes.set(JAVA_INT, sqe + Sqe.LEN, len);
        sqes.set(JAVA_LONG, sqe + Sqe.USER_DATA, userData);
        return sqe;
    }

    /** Publishes the SQEs written since the last submit and tells the kernel (io_uring_enter); waits for {@code minComplete}. */
    public int submit(int minComplete) {
        if (pending > 0) {
            INT.setRelease(sqRing, (long) sqTail, localTail); // the SQEs are written before the tail says so
        }
        int n = pending;
        if (n == 0 && minComplete == 0) {
            return 0;
        }
        long rc = Libc.syscall(callState, SYS_ENTER, fd, n, minComplete, minComplete > 0 ? ENTER_GETEVENTS : 0, 0, 0);
        if (rc < 0 && rc != -Errno.EINTR && rc != -Errno.EAGAIN && rc != -Errno.EBUSY) {
            throw new SyscallException("io_uring_enter", (int) -rc, "");
        }
        // io_uring_enter(2) returns how many SQEs it consumed, which can be fewer than offered (EAGAIN, EBUSY with
        // an overflowed CQ, or a short count): the rest stay published on the SQ ring and are offered again next time
        int taken = (int) Math.max(0, Math.min(rc, n));
        pending = n - taken;
        return taken;
    }

    /** Whether a completion is waiting; its fields are then {@link #cqeUserData()}, {@link #cqeRes()}, {@link #cqeFlags()}. */
    public boolean peek() {
        if (cqLocalHead != (int) INT.getAcquire(cqRing, (long) cqTail)) {
            return true;
        }
        // io_uring(7): completions that did not fit the CQ ring wait in the kernel (IORING_FEAT_NODROP) and come
        // over only on an io_uring_enter with GETEVENTS; without this, a port whose sends completed faster than it
        // reaped never saw their completions again and ran out of frames
        // io_uring_setup(2), IORING_SETUP_COOP_TASKRUN with TASKRUN_FLAG: the kernel does not interrupt this thread
        // (an IPI per packet, tens of us in a VM) to post a completion; it queues the work, sets IORING_SQ_TASKRUN,
        // and the work runs on the next io_uring_enter. So an empty CQ costs a syscall only when work is queued
        if (((int) INT.getAcquire(sqRing, (long) sqFlags) & (SQ_CQ_OVERFLOW | SQ_TASKRUN)) != 0) {
            Libc.syscallRepeatable(callState, SYS_ENTER, fd, 0, 0, ENTER_GETEVENTS, 0, 0); // submits nothing
            return cqLocalHead != (int) INT.getAcquire(cqRing, (long) cqTail);
        }
        return false;
    }

    /** Whether the kernel has queued completions as task work (IORING_SQ_TASKRUN; only with TASKRUN_FLAG). */
    boolean taskWorkQueued() {
        return ((int) INT.getAcquire(sqRing, (long) sqFlags) & SQ_TASKRUN) != 0;
    }

    private long cqe() {
        return cqes + (long) cqeSize * (cqLocalHead & cqMask);
    }

    public long cqeUserData() {
        return cqRing.get(JAVA_LONG, cqe());
    }

    public int cqeRes() {
        return cqRing.get(JAVA_INT, cqe() + 8);
    }

    public int cqeFlags() {
        return cqRing.get(JAVA_INT, cqe() + 12);
    }

    /** Consumes the completion {@link #peek()} showed; the kernel may reuse its slot. */
    public void advance() {
        cqLocalHead++;
        INT.setRelease(cqRing, (long) cqHead, cqLocalHead);
    }

    /** io_uring_register({@code op}, {@code arg}, {@code count}); returns 0 or {@code -errno}, as {@link Libc}. */
    public int register(int op, MemorySegment arg, int count) {
        long rc = Libc.syscall(SYS_REGISTER, fd, op, arg.address(), count, 0, 0);
        return rc < 0 ? (int) rc : 0;
    }

    /** The opcodes this kernel supports (IORING_REGISTER_PROBE). */
    public boolean[] supportedOps() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment probe = a.allocate(16 + 8 * 256, 8);
            int rc = register(REGISTER_PROBE, probe, 256);
            boolean[] ops = new boolean[256];
            if (rc != 0) {
                return ops;
            }
            int n = probe.get(JAVA_BYTE, 1) & 0xff;
            for (int i = 0; i < n; i++) {
                long at = 16 + 8L * i;
                if ((probe.get(JAVA_SHORT, at + 2) & 1) != 0) {
                    ops[probe.get(JAVA_BYTE, at) & 0xff] = true;
                }
            }
            return ops;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        scope.close();
        Libc.munmap(rawSqes);
        if (rawCq != rawSq) {
            Libc.munmap(rawCq);
        }
        Libc.munmap(rawSq);
        Libc.close(fd);
    }
}
