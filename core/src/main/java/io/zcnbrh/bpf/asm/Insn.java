package io.zcnbrh.bpf.asm;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One 8-byte eBPF instruction slot ({@code struct bpf_insn}, include/uapi/linux/bpf.h: u8 code; u8 dst_reg:4,
 * src_reg:4; s16 off; s32 imm). A 16-byte {@code LD_IMM64} is two slots; the second has opcode 0 and the upper
 * 32 bits in imm. {@code map} names the map a {@code PSEUDO_MAP_FD}/{@code PSEUDO_MAP_VALUE} load refers to; its
 * fd goes into imm when the program is loaded.
 */
public record Insn(int opcode, int dst, int src, int off, int imm, Object map) {
    /** Bytes per slot. */
    public static final int SIZE = 8;

    /** Checks the field ranges. */
    public Insn {
        if (opcode < 0 || opcode > 0xff || dst < 0 || dst > 15 || src < 0 || src > 15 || off < Short.MIN_VALUE
            || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("instruction field out of range: code=" + opcode + " dst=" + dst
                + " src=" + src + " off=" + off);
        }
    }

    /** An instruction without a map reference. */
    public Insn(int opcode, int dst, int src, int off, int imm) {
        this(opcode, dst, src, off, imm, null);
    }

    /** The same instruction with another offset (used when labels are resolved). */
    public Insn withOff(int newOff) {
        return new Insn(opcode, dst, src, newOff, imm, map);
    }

    /** The same instruction with another immediate (used when map fds are filled in). */
    public Insn withImm(int newImm) {
        return new Insn(opcode, dst, src, off, newImm, map);
    }

    /** Writes the slot at {@code offset} of {@code out} in the host's byte order, as the kernel reads it. */
    public void encode(MemorySegment out, long offset) {
        out.set(JAVA_BYTE, offset, (byte) opcode);
        out.set(JAVA_BYTE, offset + 1, (byte) ((src << 4) | dst));
        out.set(JAVA_SHORT, offset + 2, (short) off);
        out.set(JAVA_INT, offset + 4, imm);
    }

    /** Reads the slot at {@code offset} of {@code in}. */
    public static Insn decode(MemorySegment in, long offset) {
        int regs = in.get(JAVA_BYTE, offset + 1) & 0xff;
        return new Insn(in.get(JAVA_BYTE, offset) & 0xff, regs & 0x0f, regs >>> 4, in.get(JAVA_SHORT, offset + 2),
            in.get(JAVA_INT, offset + 4));
    }

    /** Whether this is the first slot of a 16-byte LD_IMM64. */
    public boolean isWide() {
        return opcode == (Op.LD | Op.DW | Op.IMM);
    }
}
