package io.zcnbrh.error;

/** A system call failed: carries the call, the errno and its name, and what the user can do about it. */
public final class SyscallException extends ZcnbrhException {
    private final String call;
    private final int errno;

    /** Creates the exception; the message reads {@code ENAME from call: hint}. */
    public SyscallException(String call, int errno, String hint) {
        super(Errno.name(errno) + " from " + call + (hint == null || hint.isEmpty() ? "" : ": " + hint));
        this.call = call;
        this.errno = errno;
    }

    /** The failing call, such as {@code mmap(MAP_HUGETLB)}. */
    public String call() {
        return call;
    }

    /** The errno the kernel returned. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, such as {@code ENOMEM}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
