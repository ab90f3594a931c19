package io.zcnbrh.bpf.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.SyscallNumbers;

import java.lang.foreign.MemorySegment;

/**
 * The raw {@code bpf(2)} system call: {@code bpf(cmd, &attr, sizeof(attr))}. The attr is a zero-filled
 * {@code union bpf_attr} prefix laid out by the caller; the kernel accepts a shorter attr as long as it covers
 * the fields used, and requires every byte past them to be zero (kernel/bpf/syscall.c, bpf_check_uarg_tail_zero).
 */
public final class BpfSyscall {
    private BpfSyscall() {
    }

    /** Runs {@code cmd}; returns the non-negative result or {@code -errno}. */
    public static long call(BpfCommand cmd, MemorySegment attr) {
        return Libc.syscall(SyscallNumbers.BPF, cmd.number(), attr.address(), attr.byteSize(), 0, 0, 0);
    }

    /** Runs {@code cmd}; returns the result, or throws with the errno and advice for it. */
    public static int callOrThrow(BpfCommand cmd, MemorySegment attr, String what) {
        long rc = call(cmd, attr);
        if (rc < 0) {
            int errno = (int) -rc;
            throw new SyscallException("bpf(BPF_" + cmd + ")" + (what.isEmpty() ? "" : " " + what), errno, hint(errno));
        }
        return (int) rc;
    }

    /** What a user can do about {@code errno} from bpf(). */
    public static String hint(int errno) {
        return switch (errno) {
            case Errno.EPERM -> "needs CAP_BPF and CAP_NET_ADMIN (run as root or through zcnbrhd); on kernels before "
                + "5.11 BPF memory is also charged to RLIMIT_MEMLOCK (raise it with `ulimit -l`)";
            case Errno.ENOSYS -> "this kernel has no bpf() (CONFIG_BPF_SYSCALL is off)";
            case Errno.E2BIG -> "the kernel does not know a field we set: it is older than this feature needs";
            case Errno.ENOMEM -> "the kernel could not allocate the object (too many entries, or memory cgroup limit)";
            default -> "";
        };
    }
}
