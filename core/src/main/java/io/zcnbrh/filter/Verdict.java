package io.zcnbrh.filter;

import io.zcnbrh.bpf.TestRunResult;

/** What the XDP program does with a frame: to the AF_XDP socket (zero-copy), to the kernel stack, or drop it. */
public enum Verdict {
    /** To the AF_XDP socket of the frame's queue (the kernel stack when no socket is bound there). */
    SOCKET,
    /** To the kernel stack, as if there were no program. */
    PASS,
    /** Dropped in the driver. */
    DROP;

    /** The counter index of this verdict in the per-CPU counters map. */
    public int index() {
        return ordinal();
    }

    /** The XDP return code of PASS and DROP (SOCKET redirects). */
    int xdpCode() {
        return this == DROP ? TestRunResult.XDP_DROP : TestRunResult.XDP_PASS;
    }
}
