package io.zcnbrh.bpf.sys;

/** {@code union bpf_attr} for BPF_PROG_LOAD (include/uapi/linux/bpf.h: the struct "used by BPF_PROG_LOAD"). */
public final class ProgLoadAttr {
    public static final long PROG_TYPE = 0;             // __u32 prog_type
    public static final long INSN_CNT = 4;              // __u32 insn_cnt
    public static final long INSNS = 8;                 // __aligned_u64 insns
    public static final long LICENSE = 16;              // __aligned_u64 license
    public static final long LOG_LEVEL = 24;            // __u32 log_level
    public static final long LOG_SIZE = 28;             // __u32 log_size
    public static final long LOG_BUF = 32;              // __aligned_u64 log_buf
    public static final long PROG_FLAGS = 44;           // __u32 prog_flags
    public static final long PROG_NAME = 48;            // char prog_name[16]
    public static final long PROG_IFINDEX = 64;         // __u32 prog_ifindex
    public static final long EXPECTED_ATTACH_TYPE = 68; // __u32 expected_attach_type
    public static final long SIZE = 72;

    private ProgLoadAttr() {
    }
}
