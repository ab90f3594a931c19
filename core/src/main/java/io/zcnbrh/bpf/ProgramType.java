package io.zcnbrh.bpf;

/** BPF program types we load (include/uapi/linux/bpf.h, enum bpf_prog_type). */
public enum ProgramType {
    SOCKET_FILTER(1),
    XDP(6);

    private final int number;

    ProgramType(int number) {
        this.number = number;
    }

    /** The kernel's number for this type. */
    public int number() {
        return number;
    }
}
