package io.zcnbrh.bpf;

/** BPF map types (include/uapi/linux/bpf.h, enum bpf_map_type), with the kernel version that added each. */
public enum MapType {
    HASH(1, "3.19"),
    ARRAY(2, "3.19"),
    PROG_ARRAY(3, "4.2"),
    PERCPU_HASH(5, "4.6"),
    PERCPU_ARRAY(6, "4.6"),
    LRU_HASH(9, "4.10"),
    DEVMAP(14, "4.14"),
    XSKMAP(17, "4.18");

    private final int number;
    private final String since;

    MapType(int number, String since) {
        this.number = number;
        this.since = since;
    }

    /** The kernel's number for this type. */
    public int number() {
        return number;
    }

    /** The first kernel version that has it. */
    public String since() {
        return since;
    }

    /** Whether lookups return one value per possible CPU. */
    public boolean perCpu() {
        return this == PERCPU_ARRAY || this == PERCPU_HASH;
    }

    /** The type with kernel number {@code n}, or null. */
    public static MapType of(int n) {
        for (MapType t : values()) {
            if (t.number == n) {
                return t;
            }
        }
        return null;
    }
}
