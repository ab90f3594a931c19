package io.zcnbrh.netlab;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.sys.NetNamespace;

import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.R0;
import static io.zcnbrh.bpf.asm.Assembler.R1;
import static io.zcnbrh.bpf.asm.Assembler.R2;
import static io.zcnbrh.bpf.asm.Assembler.R3;
import static io.zcnbrh.bpf.asm.Assembler.R4;
import static io.zcnbrh.bpf.asm.Assembler.R5;
import static io.zcnbrh.bpf.asm.Assembler.R6;
import static io.zcnbrh.bpf.asm.Assembler.R7;
import static io.zcnbrh.bpf.asm.Assembler.R8;
import static io.zcnbrh.bpf.asm.Op.ADD;
import static io.zcnbrh.bpf.asm.Op.B;
import static io.zcnbrh.bpf.asm.Op.H;
import static io.zcnbrh.bpf.asm.Op.JGT;
import static io.zcnbrh.bpf.asm.Op.JNE;
import static io.zcnbrh.bpf.asm.Op.W;

/**
 * An echo in the kernel: an XDP program that sends every IPv4 UDP datagram for one port straight back where it came
 * from (Ethernet and IP addresses and UDP ports swapped, which leaves both checksums as they were; XDP_TX), and
 * passes everything else. Attached in generic (SKB) mode, so its XDP_TX leaves through the device's own transmit
 * and the peer needs no XDP of its own. The reflector of {@code bench latency --reflector xdp}: no user-space
 * reflector, no scheduling, the whole round trip on the client's core.
 */
public final class UdpReflector implements AutoCloseable {
    private final BpfProgram program;
    private final XdpAttachment attachment;

    private UdpReflector(BpfProgram program, XdpAttachment attachment) {
        this.program = program;
        this.attachment = attachment;
    }

    /** The program: reflects IPv4 (no options) UDP datagrams to {@code port}, passes the rest. */
    public static List<Insn> instructions(int port) {
        int portBe = Short.toUnsignedInt(Short.reverseBytes((short) port)); // as a little-endian load sees it
        return new Assembler()
            .ldx(W, R2, R1, 0)                 // r2 = ctx->data
            .ldx(W, R3, R1, 4)                 // r3 = ctx->data_end
            .mov64Reg(R4, R2)
            .alu64(ADD, R4, 42)                // Ethernet 14 + IPv4 20 + UDP 8
            .jmpReg(JGT, R4, R3, "pass")       // the verifier's bounds check
            .ldx(H, R5, R2, 12)
            .jmp(JNE, R5, 0x0008, "pass")      // EtherType 0x0800 (IPv4), loaded little-endian
            .ldx(B, R5, R2, 14)
            .jmp(JNE, R5, 0x45, "pass")        // version 4, header of 20 bytes
            .ldx(B, R5, R2, 23)
            .jmp(JNE, R5, 17, "pass")          // UDP
            .ldx(H, R5, R2, 36)
            .jmp(JNE, R5, portBe, "pass")      // to the reflected port
            .ldx(W, R5, R2, 0)                 // swap the MAC addresses
            .ldx(H, R6, R2, 4)
            .ldx(W, R7, R2, 6)
            .ldx(H, R8, R2, 10)
            .stx(W, R2, R7, 0)
            .stx(H, R2, R8, 4)
            .stx(W, R2, R5, 6)
            .stx(H, R2, R6, 10)
            .ldx(W, R5, R2, 26)                // swap the IP addresses (the header checksum stays right)
            .ldx(W, R6, R2, 30)
            .stx(W, R2, R6, 26)
            .stx(W, R2, R5, 30)
            .ldx(H, R5, R2, 34)                // swap the UDP ports (the UDP checksum stays right)
            .ldx(H, R6, R2, 36)
            .stx(H, R2, R6, 34)
            .stx(H, R2, R5, 36)
            .mov64(R0, TestRunResult.XDP_TX)
            .exit()
            .label("pass")
            .mov64(R0, TestRunResult.XDP_PASS)
            .exit()
            .build();
    }

    /** Loads the program (for tests, run with BPF_PROG_TEST_RUN). */
    public static BpfProgram load(int port) {
        return BpfProgram.load(ProgramType.XDP, instructions(port), "zcnbrh_reflect");
    }

    /** Attaches to {@code ifname} in namespace {@code netns} (null: this one), reflecting UDP to {@code port}. */
    public static UdpReflector attach(String netns, String ifname, int port) {
        BpfProgram program = load(port);
        try {
            XdpAttachment a = netns == null ? XdpAttachment.attach(program, ifname, XdpMode.SKB)
                : NetNamespace.call(netns, () -> XdpAttachment.attach(program, ifname, XdpMode.SKB));
            return new UdpReflector(program, a);
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            attachment.close();
        } finally {
            program.close();
        }
    }
}
