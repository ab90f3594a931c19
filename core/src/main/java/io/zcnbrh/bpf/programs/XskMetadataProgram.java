package io.zcnbrh.bpf.programs;

import io.zcnbrh.bpf.KernelBtf;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.asm.Op;

import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.DW;
import static io.zcnbrh.bpf.asm.Op.W;

/**
 * The AF_XDP redirect with the device's receive metadata (Documentation/networking/xdp-rx-metadata.rst): before
 * redirecting, the program grows the metadata area in front of the frame by {@link #LENGTH} bytes
 * ({@code bpf_xdp_adjust_meta}) and fills it through the metadata kfuncs, which AF_XDP copies into the UMEM right
 * before the packet's first byte:
 * <pre>
 *   offset 0  u64 rx_timestamp   bpf_xdp_metadata_rx_timestamp (device clock, ns)
 *   offset 8  u32 rx_hash        bpf_xdp_metadata_rx_hash
 *   offset 12 u32 rss_type       its enum xdp_rss_hash_type
 *   offset 16 s32 timestamp_rc   0, or -errno (EOPNOTSUPP: the driver has none; ENODATA: none for this frame)
 *   offset 20 s32 hash_rc        the same for the hash
 * </pre>
 * The program must be loaded bound to the receiving device ({@code BpfProgram.loadDeviceBound}). A frame without
 * room for the metadata is redirected without it (rc fields absent: the port then reads them as "absent").
 */
public final class XskMetadataProgram {
    /** Bytes of metadata before each packet (a multiple of 4, as bpf_xdp_adjust_meta asks). */
    public static final int LENGTH = 24;
    /** Offsets of the fields above. */
    public static final int TIMESTAMP = 0, HASH = 8, HASH_TYPE = 12, TIMESTAMP_RC = 16, HASH_RC = 20;
    /** A value of an rc field that a kfunc never returns: the frame had no metadata. */
    public static final int ABSENT = Integer.MIN_VALUE;

    private XskMetadataProgram() {
    }

    /** The instructions, against {@code xsks}; the kfuncs' ids come from this kernel's BTF. */
    public static List<Insn> instructions(Object xsks) {
        int timestamp = KernelBtf.functionId("bpf_xdp_metadata_rx_timestamp");
        int hash = KernelBtf.functionId("bpf_xdp_metadata_rx_hash");
        return new Assembler()
            .mov64Reg(R6, R1)                       // r6 = ctx
            .mov64(R2, -LENGTH)
            .call(Helpers.XDP_ADJUST_META)          // grow the metadata area (invalidates packet pointers)
            .jmp(Op.JNE, R0, 0, "redirect")
            .ldx(W, R7, R6, 8)                      // r7 = ctx->data_meta
            .ldx(W, R3, R6, 0)                      // r3 = ctx->data
            .mov64Reg(R4, R7)
            .alu64(Op.ADD, R4, LENGTH)
            .jmpReg(Op.JGT, R4, R3, "redirect")     // the verifier's bounds: meta + LENGTH <= data
            .st(DW, R7, TIMESTAMP, 0)
            .st(DW, R7, HASH, 0)
            .mov64Reg(R1, R6)
            .mov64Reg(R2, R7)                       // &meta->rx_timestamp
            .callKfunc(timestamp)
            .stx(W, R7, R0, TIMESTAMP_RC)
            .mov64Reg(R1, R6)
            .mov64Reg(R2, R7)
            .alu64(Op.ADD, R2, HASH)                // &meta->rx_hash
            .mov64Reg(R3, R7)
            .alu64(Op.ADD, R3, HASH_TYPE)           // &meta->rss_type
            .callKfunc(hash)
            .stx(W, R7, R0, HASH_RC)
            .label("redirect")
            .ldx(W, R2, R6, 16)                     // ctx->rx_queue_index
            .ldMap(R1, xsks)
            .mov64(R3, TestRunResult.XDP_PASS)
            .call(Helpers.REDIRECT_MAP)
            .exit()
            .build();
    }
}
