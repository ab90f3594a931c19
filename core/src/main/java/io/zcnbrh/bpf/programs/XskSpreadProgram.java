package io.zcnbrh.bpf.programs;

import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.asm.Op;

import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.B;
import static io.zcnbrh.bpf.asm.Op.H;
import static io.zcnbrh.bpf.asm.Op.W;

/**
 * Several AF_XDP sockets on one receive queue (they share the queue's UMEM, fill and completion rings: af_xdp.rst,
 * XDP_SHARED_UMEM on the same queue): the program picks one of {@code consumers} XSKMAP slots per frame, {@code
 * bpf_redirect_map(&xsks, pick, XDP_PASS)}. Frames of other queues, and frames whose slot is empty, go to the kernel
 * stack.
 * <ul>
 *   <li>{@link Spread#FLOW}: a hash of the IPv4 or IPv6 addresses and, for unfragmented UDP and TCP, the ports, so
 *   a flow stays on one consumer and in order (both directions of a flow hash alike); other frames go to slot 0.</li>
 *   <li>{@link Spread#ROUND_ROBIN}: each frame to the next slot (an atomic counter in a one-entry array map), the
 *   load exactly even, order kept per consumer only.</li>
 * </ul>
 */
public final class XskSpreadProgram {
    /** How frames are spread over the consumers of one queue. */
    public enum Spread {
        /** By a hash of addresses and ports: a flow stays on one consumer, in order. */
        FLOW,
        /** Frame by frame in turn: even load, no order across consumers. */
        ROUND_ROBIN
    }

    private static final int ETH = 14;
    /** Ethertypes as a little-endian load of the big-endian field sees them. */
    private static final int IPV4_LE = 0x0008, IPV6_LE = 0xdd86;
    /** The IPv4 flags/fragment-offset field as a little-endian load sees it, without DF: MF and the offset. */
    private static final int FRAGMENT_BITS_LE = 0xff3f;

    private XskSpreadProgram() {
    }

    /**
     * The instructions: frames received on {@code queue} go to one of slots {@code 0..consumers-1} of {@code xsks};
     * {@code counter} is a one-entry ARRAY map with a 4-byte value (used by {@link Spread#ROUND_ROBIN} only).
     */
    public static List<Insn> instructions(Object xsks, Object counter, int queue, int consumers, Spread spread) {
        if (consumers < 1) {
            throw new IllegalArgumentException("consumers must be at least 1, was " + consumers);
        }
        Assembler a = new Assembler()
            .mov64Reg(R6, R1)                          // r6 = ctx
            .ldx(W, R2, R6, 16)                        // ctx->rx_queue_index
            .jmp(Op.JNE, R2, queue, "pass");
        if (spread == Spread.ROUND_ROBIN) {
            a.ldMapValue(R1, counter, 0)
                .mov64(R2, 1)
                .atomic(W, Op.ADD | Op.FETCH, R1, R2, 0)  // r2 = counter++ (the old value)
                .alu32(Op.MOD, R2, consumers)
                .ja("redirect");
        } else {
            flowHash(a);
            a.mov64Reg(R2, R7)
                .alu32(Op.MOD, R2, consumers);
        }
        return a.label("redirect")
            .ldMap(R1, xsks)
            .mov64(R3, TestRunResult.XDP_PASS)
            .call(Helpers.REDIRECT_MAP)
            .exit()
            .label("pass")
            .mov64(R0, TestRunResult.XDP_PASS)
            .exit()
            .build();
    }

    /** r7 = a hash of the frame's flow, the same both ways (0 for frames that are not IP); r2-r5, r8 are scratch. */
    private static void flowHash(Assembler a) {
        a.mov64(R7, 0)
            .ldx(W, R2, R6, 0)                         // r2 = ctx->data
            .ldx(W, R3, R6, 4)                         // r3 = ctx->data_end
            .mov64Reg(R4, R2).alu64(Op.ADD, R4, ETH)
            .jmpReg(Op.JGT, R4, R3, "mix")             // the verifier's bounds before every read
            .ldx(H, R5, R2, 12)                        // ethertype
            .jmp(Op.JEQ, R5, IPV4_LE, "ipv4")
            .jmp(Op.JEQ, R5, IPV6_LE, "ipv6")
            .ja("mix")
            .label("ipv4")
            .mov64Reg(R4, R2).alu64(Op.ADD, R4, ETH + 20)
            .jmpReg(Op.JGT, R4, R3, "mix")
            .ldx(W, R7, R2, ETH + 12)                  // saddr ^ daddr
            .ldx(W, R5, R2, ETH + 16)
            .alu32Reg(Op.XOR, R7, R5)
            .ldx(B, R5, R2, ETH)                       // version and IHL: ports at a fixed place only without options
            .jmp(Op.JNE, R5, 0x45, "mix")
            .ldx(H, R5, R2, ETH + 6)                   // a fragment's ports are in its first fragment only
            .alu32(Op.AND, R5, FRAGMENT_BITS_LE)
            .jmp(Op.JNE, R5, 0, "mix")
            .ldx(B, R5, R2, ETH + 9)                   // protocol
            .mov64(R8, ETH + 20)
            .ja("ports")
            .label("ipv6")
            .mov64Reg(R4, R2).alu64(Op.ADD, R4, ETH + 40)
            .jmpReg(Op.JGT, R4, R3, "mix");
        for (int off = ETH + 8; off < ETH + 40; off += 4) { // source and destination address, word by word
            a.ldx(W, R5, R2, off).alu32Reg(Op.XOR, R7, R5);
        }
        a.ldx(B, R5, R2, ETH + 6)                      // next header (extension headers: addresses only)
            .mov64(R8, ETH + 40)
            .label("ports")
            .jmp(Op.JEQ, R5, 17, "l4")
            .jmp(Op.JNE, R5, 6, "mix")
            .label("l4")
            .alu64Reg(Op.ADD, R2, R8)                  // r2 = the L4 header
            .mov64Reg(R4, R2).alu64(Op.ADD, R4, 4)
            .jmpReg(Op.JGT, R4, R3, "mix")
            .ldx(W, R5, R2, 0)                         // source and destination port
            .mov64Reg(R8, R5).alu32(Op.RSH, R8, 16)    // one port ^ the other: the reply hashes alike
            .alu32Reg(Op.XOR, R5, R8).alu32(Op.AND, R5, 0xffff)
            .alu32Reg(Op.XOR, R7, R5)
            .label("mix")                              // fold so that every input bit reaches the low bits
            .mov64Reg(R5, R7).alu32(Op.RSH, R5, 16).alu32Reg(Op.XOR, R7, R5)
            .alu32(Op.MUL, R7, 0x45d9f3b)
            .mov64Reg(R5, R7).alu32(Op.RSH, R5, 16).alu32Reg(Op.XOR, R7, R5);
    }
}
