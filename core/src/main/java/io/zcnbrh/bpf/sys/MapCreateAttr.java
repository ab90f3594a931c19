package io.zcnbrh.bpf.sys;

/** {@code union bpf_attr} for BPF_MAP_CREATE (include/uapi/linux/bpf.h: the anonymous struct "used by BPF_MAP_CREATE"). */
public final class MapCreateAttr {
    public static final long MAP_TYPE = 0;     // __u32 map_type
    public static final long KEY_SIZE = 4;     // __u32 key_size
    public static final long VALUE_SIZE = 8;   // __u32 value_size
    public static final long MAX_ENTRIES = 12; // __u32 max_entries
    public static final long MAP_FLAGS = 16;   // __u32 map_flags
    public static final long NUMA_NODE = 24;   // __u32 numa_node (with BPF_F_NUMA_NODE)
    public static final long MAP_NAME = 28;    // char map_name[BPF_OBJ_NAME_LEN = 16]
    public static final long SIZE = 48;

    private MapCreateAttr() {
    }
}
