package io.zcnbrh.bpf.sys;

/** {@code union bpf_attr} for BPF_OBJ_PIN and BPF_OBJ_GET (include/uapi/linux/bpf.h). */
public final class ObjAttr {
    public static final long PATHNAME = 0;   // __aligned_u64 pathname
    public static final long BPF_FD = 8;     // __u32 bpf_fd
    public static final long FILE_FLAGS = 12; // __u32 file_flags
    public static final long SIZE = 16;

    private ObjAttr() {
    }
}
