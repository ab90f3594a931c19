package io.zcnbrh.bpf.sys;

/**
 * {@code union bpf_attr} for BPF_OBJ_GET_INFO_BY_FD, and the leading fields of {@code struct bpf_map_info}
 * (include/uapi/linux/bpf.h).
 */
public final class InfoAttr {
    public static final long BPF_FD = 0;   // __u32 bpf_fd
    public static final long INFO_LEN = 4; // __u32 info_len
    public static final long INFO = 8;     // __aligned_u64 info
    public static final long SIZE = 16;
    // struct bpf_map_info
    public static final long MAP_INFO_TYPE = 0;
    public static final long MAP_INFO_ID = 4;
    public static final long MAP_INFO_KEY_SIZE = 8;
    public static final long MAP_INFO_VALUE_SIZE = 12;
    public static final long MAP_INFO_MAX_ENTRIES = 16;
    public static final long MAP_INFO_FLAGS = 20;
    public static final long MAP_INFO_NAME = 24;
    public static final long MAP_INFO_SIZE = 40;

    private InfoAttr() {
    }
}
