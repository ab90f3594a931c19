package io.zcnbrh.filter;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.interp.Interpreter;

import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates a filter on frames, in the kernel (the compiled XDP program through BPF_PROG_TEST_RUN, the verifier
 * included) or in the interpreter (the same instructions, for backends without kernel XDP). Both run
 * {@link PacketFilter#matchProgram()}: XDP_DROP means "matches".
 */
public final class FilterMatcher implements AutoCloseable {
    /** Where the program runs. */
    public enum Engine { KERNEL, INTERP }

    /** The kernel's XDP test run needs an Ethernet header (ETH_HLEN); shorter frames go to the interpreter. */
    public static final int KERNEL_MIN_FRAME = 14;

    private final Engine engine;
    private final BpfProgram program;
    private final Interpreter interpreter;

    private FilterMatcher(Engine engine, BpfProgram program, Interpreter interpreter) {
        this.engine = engine;
        this.program = program;
        this.interpreter = interpreter;
    }

    /** Loads {@code filter}'s match program into {@code engine} (KERNEL: a real bpf() load, verifier included). */
    public static FilterMatcher of(PacketFilter filter, Engine engine) {
        var insns = filter.matchProgram();
        Interpreter interp = new Interpreter(ProgramType.XDP, insns);
        BpfProgram prog = engine == Engine.KERNEL ? BpfProgram.load(ProgramType.XDP, insns, "zcnbrh_filter") : null;
        return new FilterMatcher(engine, prog, interp);
    }

    /** Whether {@code frame} matches. */
    public boolean matches(byte[] frame) {
        TestRunResult r = engine == Engine.KERNEL && frame.length >= KERNEL_MIN_FRAME
            ? program.testRun(frame, 1, 0) : interpreter.testRun(frame);
        return r.retval() == TestRunResult.XDP_DROP;
    }

    /** The 1-based numbers of the frames in {@code frames} that match. */
    public List<Integer> matching(List<byte[]> frames) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            if (matches(frames.get(i))) {
                out.add(i + 1);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (program != null) {
            program.close();
        }
    }
}
