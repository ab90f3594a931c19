package io.zcnbrh.filter;

import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.interp.Interpreter;

import java.lang.foreign.MemorySegment;

/**
 * A filter run in user space, for backends with no kernel XDP in front of them: the same compiled instructions as
 * the kernel's, in the {@link Interpreter}, so the verdicts are identical (the differential test checks both
 * against libpcap). One instance per port thread; nothing is allocated per frame.
 */
public final class SoftFilter {
    private final PacketFilter filter;
    private final Interpreter interpreter;

    private SoftFilter(PacketFilter filter) {
        this.filter = filter;
        this.interpreter = new Interpreter(ProgramType.XDP, filter.matchProgram());
    }

    /** A user-space runner of {@code filter}. */
    public static SoftFilter of(PacketFilter filter) {
        return new SoftFilter(filter);
    }

    /** The verdict for the {@code length} bytes at the start of {@code frame}. */
    public Verdict decide(MemorySegment frame, int length) {
        return interpreter.run(frame, length) == TestRunResult.XDP_DROP ? filter.onMatch() : filter.otherwise();
    }

    /** The filter. */
    public PacketFilter filter() {
        return filter;
    }
}
