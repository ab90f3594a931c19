package io.zcnbrh.bpf.asm;

/** Helper function numbers (include/uapi/linux/bpf.h, enum bpf_func_id / ___BPF_FUNC_MAPPER). */
public final class Helpers {
    public static final int MAP_LOOKUP_ELEM = 1;
    public static final int MAP_UPDATE_ELEM = 2;
    public static final int MAP_DELETE_ELEM = 3;
    public static final int KTIME_GET_NS = 5;
    public static final int GET_PRANDOM_U32 = 7;
    public static final int GET_SMP_PROCESSOR_ID = 8;
    public static final int TAIL_CALL = 12;
    public static final int REDIRECT = 23;
    public static final int XDP_ADJUST_HEAD = 44;
    public static final int REDIRECT_MAP = 51;
    public static final int XDP_ADJUST_META = 54;
    public static final int XDP_LOAD_BYTES = 189;

    private Helpers() {
    }

    /** The kernel's name of helper {@code id}, as the verifier prints it. */
    public static String name(int id) {
        return switch (id) {
            case MAP_LOOKUP_ELEM -> "bpf_map_lookup_elem";
            case MAP_UPDATE_ELEM -> "bpf_map_update_elem";
            case MAP_DELETE_ELEM -> "bpf_map_delete_elem";
            case KTIME_GET_NS -> "bpf_ktime_get_ns";
            case GET_PRANDOM_U32 -> "bpf_get_prandom_u32";
            case GET_SMP_PROCESSOR_ID -> "bpf_get_smp_processor_id";
            case TAIL_CALL -> "bpf_tail_call";
            case REDIRECT -> "bpf_redirect";
            case XDP_ADJUST_HEAD -> "bpf_xdp_adjust_head";
            case REDIRECT_MAP -> "bpf_redirect_map";
            case XDP_ADJUST_META -> "bpf_xdp_adjust_meta";
            case XDP_LOAD_BYTES -> "bpf_xdp_load_bytes";
            default -> "helper";
        };
    }
}
