package io.zcnbrh.sys;

/** System call numbers for the calls glibc does not wrap (arch/x86/entry/syscalls/syscall_64.tbl, asm-generic/unistd.h). */
public final class SyscallNumbers {
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    /** {@code mbind(2)}. */
    public static final long MBIND = AARCH64 ? 235 : 237;
    /** {@code get_mempolicy(2)}. */
    public static final long GET_MEMPOLICY = AARCH64 ? 236 : 239;
    /** {@code move_pages(2)}. */
    public static final long MOVE_PAGES = AARCH64 ? 239 : 279;

    /** {@code bpf(2)}. */
    public static final long BPF = AARCH64 ? 280 : 321;

    /** {@code ioctl(2)}. */
    public static final long IOCTL = AARCH64 ? 29 : 16;

    /** {@code read(2)}. */
    public static final long READ = AARCH64 ? 63 : 0;

    /** {@code write(2)}. */
    public static final long WRITE = AARCH64 ? 64 : 1;

    /** {@code eventfd2(2)}. */
    public static final long EVENTFD2 = AARCH64 ? 19 : 290;

    /** {@code perf_event_open(2)}. */
    public static final long PERF_EVENT_OPEN = AARCH64 ? 241 : 298;

    /** {@code geteuid(2)}. */
    public static final long GETEUID = AARCH64 ? 175 : 107;

    private SyscallNumbers() {
    }
}
