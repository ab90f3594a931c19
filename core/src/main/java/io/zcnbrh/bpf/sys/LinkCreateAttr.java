package io.zcnbrh.bpf.sys;

/** {@code union bpf_attr} for BPF_LINK_CREATE (include/uapi/linux/bpf.h: struct "struct used by BPF_LINK_CREATE"). */
public final class LinkCreateAttr {
    public static final long PROG_FD = 0;       // __u32 prog_fd
    public static final long TARGET_IFINDEX = 4; // __u32 target_ifindex
    public static final long ATTACH_TYPE = 8;    // __u32 attach_type (BPF_XDP = 37)
    public static final long FLAGS = 12;         // __u32 flags (XDP_FLAGS_*)
    public static final long SIZE = 16;
    /** enum bpf_attach_type BPF_XDP (Linux 5.9 for links). */
    public static final int ATTACH_XDP = 37;

    private LinkCreateAttr() {
    }
}
