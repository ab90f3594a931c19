package io.zcnbrh.bpf.sys;

/** {@code union bpf_attr} for BPF_MAP_*_ELEM and BPF_MAP_GET_NEXT_KEY (include/uapi/linux/bpf.h). */
public final class MapElemAttr {
    public static final long MAP_FD = 0;  // __u32 map_fd
    public static final long KEY = 8;     // __aligned_u64 key
    public static final long VALUE = 16;  // __aligned_u64 value / next_key
    public static final long FLAGS = 24;  // __u64 flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST)
    public static final long SIZE = 32;

    private MapElemAttr() {
    }
}
