package io.zcnbrh.bpf.sys;

/** {@code union bpf_attr} for BPF_PROG_TEST_RUN (include/uapi/linux/bpf.h: struct "used by BPF_PROG_TEST_RUN"). */
public final class TestRunAttr {
    public static final long PROG_FD = 0;        // __u32 prog_fd
    public static final long RETVAL = 4;         // __u32 retval (out)
    public static final long DATA_SIZE_IN = 8;   // __u32 data_size_in
    public static final long DATA_SIZE_OUT = 12; // __u32 data_size_out (in: buffer size, out: bytes written)
    public static final long DATA_IN = 16;       // __aligned_u64 data_in
    public static final long DATA_OUT = 24;      // __aligned_u64 data_out
    public static final long REPEAT = 32;        // __u32 repeat
    public static final long DURATION = 36;      // __u32 duration (out, ns per run)
    public static final long CTX_SIZE_IN = 40;   // __u32 ctx_size_in
    public static final long CTX_SIZE_OUT = 44;  // __u32 ctx_size_out
    public static final long CTX_IN = 48;        // __aligned_u64 ctx_in
    public static final long CTX_OUT = 56;       // __aligned_u64 ctx_out
    public static final long FLAGS = 64;         // __u32 flags
    public static final long CPU = 68;           // __u32 cpu
    public static final long BATCH_SIZE = 72;    // __u32 batch_size
    public static final long SIZE = 80;
    /** BPF_F_TEST_XDP_LIVE_FRAMES: frames really go out through the redirect target (Linux 5.18). */
    public static final int F_TEST_XDP_LIVE_FRAMES = 1 << 1;

    private TestRunAttr() {
    }
}
