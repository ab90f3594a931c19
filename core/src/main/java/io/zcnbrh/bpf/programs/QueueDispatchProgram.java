package io.zcnbrh.bpf.programs;

import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;

import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.W;

/**
 * One program per interface that hands each frame to the program of its receive queue:
 * {@code bpf_tail_call(ctx, &queues, ctx->rx_queue_index); return XDP_PASS;} A PROG_ARRAY slot per queue holds
 * that queue's program (a tenant's filter and redirect); an empty slot makes the tail call fall through
 * (bpf-helpers(7): "if ... there is no program at the index, execution continues"), so frames of a queue nobody
 * has go to the kernel stack. Slots are filled and emptied while the program stays attached.
 */
public final class QueueDispatchProgram {
    private QueueDispatchProgram() {
    }

    /** The instructions, against {@code queues} (a PROG_ARRAY). */
    public static List<Insn> instructions(Object queues) {
        return new Assembler()
            .ldx(W, R3, R1, 16)              // r3 = ctx->rx_queue_index (struct xdp_md offset 16); r1 stays ctx
            .ldMap(R2, queues)
            .call(Helpers.TAIL_CALL)
            .mov64(R0, TestRunResult.XDP_PASS)
            .exit()
            .build();
    }

    /** Loads the program against {@code queues}, which must be a PROG_ARRAY. */
    public static BpfProgram load(BpfMap queues) {
        if (queues.type() != MapType.PROG_ARRAY) {
            throw new IllegalArgumentException("the dispatch program needs a PROG_ARRAY, not " + queues.type());
        }
        return BpfProgram.load(ProgramType.XDP, instructions(queues), "zcnbrh_queues");
    }
}
