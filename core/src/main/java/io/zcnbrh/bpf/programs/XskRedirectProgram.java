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
 * The program AF_XDP needs: {@code return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);} A frame goes to
 * the AF_XDP socket bound to its queue when there is one, and to the kernel stack otherwise (the lower bits of the
 * flags are the verdict for an empty slot, Linux 5.3+), so SSH and everything else keep working.
 */
public final class XskRedirectProgram {
    private XskRedirectProgram() {
    }

    /** The instructions, against {@code xsks} (a kernel XSKMAP or its interpreter model). */
    public static List<Insn> instructions(Object xsks) {
        return new Assembler()
            .ldx(W, R2, R1, 16)              // r2 = ctx->rx_queue_index (struct xdp_md offset 16)
            .ldMap(R1, xsks)
            .mov64(R3, TestRunResult.XDP_PASS)
            .call(Helpers.REDIRECT_MAP)
            .exit()
            .build();
    }

    /** Loads the program against {@code xsks}, which must be an XSKMAP. */
    public static BpfProgram load(BpfMap xsks) {
        if (xsks.type() != MapType.XSKMAP) {
            throw new IllegalArgumentException("the redirect program needs an XSKMAP, not " + xsks.type());
        }
        return BpfProgram.load(ProgramType.XDP, instructions(xsks), "zcnbrh_xsk");
    }
}
