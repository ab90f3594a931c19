package io.zcnbrh.netlab;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.filter.FilterCounters;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.sys.NetNamespace;

/**
 * Counts and drops the frames that reach an interface and match a tcpdump expression, in its native XDP hook (a
 * compiled filter: DROP for a match, PASS for the rest, verdicts counted per CPU), so the test traffic is counted
 * exactly and the kernel's own chatter (IPv6 neighbour discovery) is not: the far end of a transmit or forward
 * benchmark, and the kernel's XDP_DROP ceiling of a receive benchmark (the receive path before any socket).
 */
public final class FrameCounter implements AutoCloseable {
    private final FilterCounters counters;
    private final BpfProgram program;
    private final XdpAttachment attachment;

    private FrameCounter(FilterCounters counters, BpfProgram program, XdpAttachment attachment) {
        this.counters = counters;
        this.program = program;
        this.attachment = attachment;
    }

    /** Attaches to {@code ifname} in network namespace {@code netns} (null: this one), counting {@code expression}. */
    public static FrameCounter attach(String netns, String ifname, String expression) {
        FilterCounters counters = FilterCounters.create();
        BpfProgram program = null;
        try {
            program = BpfProgram.load(ProgramType.XDP, PacketFilter.compile(expression)
                .verdicts(Verdict.DROP, Verdict.PASS).program(null, counters.map()), "zcnbrh_count");
            BpfProgram p = program;
            XdpAttachment a = netns == null ? XdpAttachment.attach(p, ifname, XdpMode.DRIVER)
                : NetNamespace.call(netns, () -> XdpAttachment.attach(p, ifname, XdpMode.DRIVER));
            return new FrameCounter(counters, program, a);
        } catch (RuntimeException e) {
            if (program != null) {
                program.close();
            }
            counters.close();
            throw e;
        }
    }

    /** Matching frames counted (and dropped) so far, summed over CPUs. */
    public long frames() {
        return counters.count(Verdict.DROP);
    }

    @Override
    public void close() {
        try {
            attachment.close();
        } finally {
            program.close();
            counters.close();
        }
    }
}
