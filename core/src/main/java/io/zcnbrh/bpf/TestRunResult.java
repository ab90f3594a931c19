package io.zcnbrh.bpf;

/** What BPF_PROG_TEST_RUN (or the interpreter) returned: the program's return value and the packet after it. */
public record TestRunResult(int retval, byte[] packetOut, long durationNanos) {
    /** XDP verdicts (include/uapi/linux/bpf.h, enum xdp_action). */
    public static final int XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2, XDP_TX = 3, XDP_REDIRECT = 4;
}
