package io.zcnbrh.bpf.interp;

import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.asm.Op;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static io.zcnbrh.bpf.asm.Op.*;

/**
 * Runs eBPF programs on packets in Java memory with the kernel's semantics (Documentation/bpf/standardization/
 * instruction-set.rst): 64- and 32-bit ALU (32-bit results zero-extended; division by zero gives 0, modulo by zero
 * leaves the dividend), signed division and sign-extending moves and loads, byte swaps, jumps, atomics, LD_IMM64
 * with map references, legacy LD_ABS/LD_IND, bpf-to-bpf calls, and the helpers our programs use. Every register
 * carries a region (scalar, context, packet, stack, map value) and every memory access is bounds-checked against its
 * region, so a program can never read outside the packet it is given. One instance per thread.
 */
public final class Interpreter {
    private static final int SCALAR = 0, CTX = 1, PACKET = 2, STACK = 3, MAP_PTR = 4, FIRST_VALUE = 5;
    private static final int FRAME = 512;
    private static final int MAX_FRAMES = 8;
    private static final int STEP_LIMIT = 1_000_000;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final ProgramType type;
    private final Insn[] code;
    private final InterpreterMap[] maps;
    private final int[] mapIndexOfInsn;
    private final long[] v = new long[11];
    private final int[] rg = new int[11];
    private final MemorySegment stack = Arena.ofAuto().allocate((long) FRAME * MAX_FRAMES, 8);
    private final int[] stackTag = new int[FRAME * MAX_FRAMES / 8];
    private final List<MemorySegment> values = new ArrayList<>(64);
    /** A 4-byte key for lookups the interpreter makes itself (redirect maps, direct value access). */
    private final MemorySegment keyBuffer = Arena.ofAuto().allocate(4, 4);
    private final long[] savedRegs = new long[MAX_FRAMES * 5];
    private final int[] savedTags = new int[MAX_FRAMES * 5];
    private final int[] returnPc = new int[MAX_FRAMES];
    private MemorySegment packet;
    private long packetLength;
    private int ingressIfindex = 1;
    private int rxQueueIndex;
    private int redirectTarget = -1;
    /** The lowest stack byte the current frame may touch: 512 bytes per frame (MAX_BPF_STACK), callers' frames above. */
    private long stackBottom;

    /**
     * Prepares {@code insns} of {@code type}. Map references ({@link Insn#map()}) are resolved through {@code bindings}
     * (kernel map -> its model); a reference that is itself an {@link InterpreterMap} needs no binding.
     */
    public Interpreter(ProgramType type, List<Insn> insns, Map<Object, InterpreterMap> bindings) {
        this.type = type;
        this.code = insns.toArray(Insn[]::new);
        this.mapIndexOfInsn = new int[code.length];
        Map<Object, Integer> index = new IdentityHashMap<>();
        List<InterpreterMap> resolved = new ArrayList<>();
        for (int i = 0; i < code.length; i++) {
            Object ref = code[i].map();
            mapIndexOfInsn[i] = -1;
            if (ref == null) {
                continue;
            }
            InterpreterMap model = ref instanceof InterpreterMap m ? m : bindings.get(ref);
            if (model == null) {
                throw new InterpreterException("instruction " + i + " refers to map " + ref
                    + ", which has no interpreter model; bind it (InterpreterMap.mirrorOf)");
            }
            Integer at = index.get(model);
            if (at == null) {
                at = resolved.size();
                index.put(model, at);
                resolved.add(model);
            }
            mapIndexOfInsn[i] = at;
        }
        this.maps = resolved.toArray(InterpreterMap[]::new);
    }

    /** A program with maps that are already models. */
    public Interpreter(ProgramType type, List<Insn> insns) {
        this(type, insns, Map.of());
    }

    /** The {@code ingress_ifindex} and {@code rx_queue_index} an XDP program sees (the kernel's test run: 1 and 0). */
    public Interpreter receivedOn(int ifindex, int queue) {
        this.ingressIfindex = ifindex;
        this.rxQueueIndex = queue;
        return this;
    }

    /** The redirect target of the last run that returned XDP_REDIRECT through a map (its key), or -1. */
    public int redirectTarget() {
        return redirectTarget;
    }

    /**
     * Runs on a copy of {@code packet} and returns the verdict and the packet afterwards, like BPF_PROG_TEST_RUN.
     * As there, a socket filter sees the packet from the network header on (the kernel pulls the 14-byte
     * Ethernet header before running non-L2 programs, net/bpf/test_run.c) and the output's first 14 bytes are zero.
     */
    public TestRunResult testRun(byte[] packetBytes) {
        MemorySegment p = Arena.ofAuto().allocate(Math.max(packetBytes.length, 1), 8);
        MemorySegment.copy(packetBytes, 0, p, ValueLayout.JAVA_BYTE, 0, packetBytes.length);
        long t0 = System.nanoTime();
        int rc;
        if (type == ProgramType.SOCKET_FILTER && packetBytes.length >= 14) {
            rc = run(p.asSlice(14), packetBytes.length - 14);
            p.asSlice(0, 14).fill((byte) 0);
        } else {
            rc = run(p, packetBytes.length);
        }
        return new TestRunResult(rc, p.asSlice(0, packetBytes.length).toArray(ValueLayout.JAVA_BYTE),
            System.nanoTime() - t0);
    }

    /** Runs on {@code length} bytes of {@code pkt} in place and returns r0 (the verdict). */
    public int run(MemorySegment pkt, long length) {
        packet = pkt;
        packetLength = length;
        values.clear();
        redirectTarget = -1;
        java.util.Arrays.fill(rg, SCALAR);
        java.util.Arrays.fill(v, 0);
        java.util.Arrays.fill(stackTag, SCALAR);
        v[1] = 0;
        rg[1] = CTX;
        v[10] = (long) FRAME * MAX_FRAMES;
        rg[10] = STACK;
        stackBottom = v[10] - FRAME;
        return (int) execute();
    }

    private InterpreterException fault(int pc, String what) {
        return new InterpreterException(what + " at instruction " + pc + ": "
            + Disassembler.format(code[pc], pc + 1 < code.length ? code[pc + 1] : null));
    }

    private long execute() {
        int pc = 0;
        int depth = 0;
        for (int steps = 0; ; steps++) {
            if (steps > STEP_LIMIT) {
                throw fault(pc, "no exit after " + STEP_LIMIT + " instructions");
            }
            if (pc < 0 || pc >= code.length) {
                throw new InterpreterException("jumped to instruction " + pc + ", outside the program of "
                    + code.length);
            }
            Insn in = code[pc];
            int op = in.opcode();
            int d = in.dst();
            int s = in.src();
            switch (Op.cls(op)) {
                case ALU64 -> alu64(pc, in);
                case ALU -> alu32(pc, in);
                case LDX -> {
                    int size = Op.size(op);
                    long value = load(pc, s, in.off(), size);
                    int tag = lastLoadTag;
                    if (Op.mode(op) == MEMSX) {
                        value = switch (size) {
                            case B -> (byte) value;
                            case H -> (short) value;
                            default -> (int) value;
                        };
                    }
                    v[d] = value;
                    rg[d] = tag;
                }
                case ST -> store(pc, d, in.off(), Op.size(op), in.imm(), SCALAR);
                case STX -> {
                    if (Op.mode(op) == ATOMIC) {
                        atomic(pc, in);
                    } else {
                        store(pc, d, in.off(), Op.size(op), v[s], rg[s]);
                    }
                }
                case LD -> {
                    if (in.isWide()) {
                        ldImm64(pc, in);
                        pc++;
                    } else {
                        int mode = Op.mode(op);
                        long offset = in.imm() + (mode == IND ? v[s] : 0);
                        int bytes = Op.bytes(Op.size(op));
                        if (offset < 0 || offset + bytes > packetLength) {
                            return 0; // LD_ABS/LD_IND out of the packet: the program ends returning 0
                        }
                        long value = switch (bytes) {
                            case 1 -> packet.get(ValueLayout.JAVA_BYTE, offset) & 0xffL;
                            case 2 -> Short.reverseBytes(packet.get(U16, offset)) & 0xffffL;
                            default -> Integer.reverseBytes(packet.get(U32, offset)) & 0xffffffffL;
                        };
                        v[0] = value;
                        rg[0] = SCALAR;
                        for (int r = 1; r <= 5; r++) {
                            v[r] = 0;
                            rg[r] = SCALAR;
                        }
                    }
                }
                case JMP, JMP32 -> {
                    int jop = Op.op(op);
                    if (jop == EXIT) {
                        if (depth == 0) {
                            return v[0];
                        }
                        depth--;
                        for (int r = 0; r < 4; r++) {
                            v[6 + r] = savedRegs[depth * 5 + r];
                            rg[6 + r] = savedTags[depth * 5 + r];
                        }
                        v[10] += FRAME;
                        stackBottom = v[10] - FRAME;
                        pc = returnPc[depth];
                        continue;
                    }
                    if (jop == CALL) {
                        if (s == 1) { // bpf-to-bpf call: imm is the relative target
                            if (depth + 1 >= MAX_FRAMES) {
                                throw fault(pc, "call depth beyond " + MAX_FRAMES);
                            }
                            for (int r = 0; r < 4; r++) {
                                savedRegs[depth * 5 + r] = v[6 + r];
                                savedTags[depth * 5 + r] = rg[6 + r];
                            }
                            returnPc[depth] = pc + 1;
                            depth++;
                            v[10] -= FRAME;
                            stackBottom = v[10] - FRAME;
                            pc = pc + 1 + in.imm();
                            continue;
                        }
                        helper(pc, in.imm());
                    } else if (jop == JA) {
                        pc += Op.cls(op) == JMP32 ? in.imm() : in.off();
                    } else if (Op.cls(op) == JMP ? jump64(pc, in) : jump32(pc, in)) {
                        pc += in.off();
                    }
                }
                default -> throw fault(pc, "unknown instruction class");
            }
            pc++;
        }
    }

    // ---- ALU ----------------------------------------------------------------------------------------------

    private void alu64(int pc, Insn in) {
        int op = Op.op(in.opcode());
        int d = in.dst();
        boolean reg = Op.src(in.opcode()) == X;
        long src = reg ? v[in.src()] : in.imm();
        int srcTag = reg ? rg[in.src()] : SCALAR;
        long dst = v[d];
        if (op == MOV) {
            if (reg && in.off() != 0) {
                v[d] = switch (in.off()) {
                    case 8 -> (byte) src;
                    case 16 -> (short) src;
                    default -> (int) src;
                };
                rg[d] = SCALAR;
            } else {
                v[d] = src;
                rg[d] = srcTag;
            }
            return;
        }
        if (rg[d] != SCALAR || srcTag != SCALAR) {
            pointerArithmetic(pc, op, d, src, srcTag);
            return;
        }
        try {
            v[d] = ScalarOps.alu64(op, dst, src, in.off() == 1, in.imm());
        } catch (InterpreterException e) {
            throw fault(pc, e.getMessage());
        }
    }

    private void pointerArithmetic(int pc, int op, int d, long src, int srcTag) {
        if (op == ADD && srcTag == SCALAR) {
            v[d] += src;
        } else if (op == ADD && rg[d] == SCALAR) {
            v[d] += src;
            rg[d] = srcTag;
        } else if (op == SUB && srcTag == SCALAR) {
            v[d] -= src;
        } else if (op == SUB && srcTag == rg[d]) {
            v[d] -= src;
            rg[d] = SCALAR; // pointer difference
        } else {
            throw fault(pc, "arithmetic on a pointer the verifier does not allow");
        }
    }

    private void alu32(int pc, Insn in) {
        int op = Op.op(in.opcode());
        int d = in.dst();
        boolean reg = Op.src(in.opcode()) == X;
        if (rg[d] != SCALAR && op != MOV || reg && rg[in.src()] != SCALAR) {
            throw fault(pc, "32-bit arithmetic on a pointer");
        }
        int src = reg ? (int) v[in.src()] : in.imm();
        int dst = (int) v[d];
        long result;
        if (op == END) {
            long full = v[d];
            result = Op.src(in.opcode()) == TO_BE ? ScalarOps.swap(full, in.imm())
                : in.imm() == 64 ? full : full & (in.imm() == 16 ? 0xffffL : 0xffffffffL);
            v[d] = result;
            rg[d] = SCALAR;
            return;
        }
        int r;
        try {
            r = op == MOV ? (reg && in.off() != 0 ? (in.off() == 8 ? (byte) src : (short) src) : src)
                : ScalarOps.alu32(op, dst, src, in.off() == 1);
        } catch (InterpreterException e) {
            throw fault(pc, e.getMessage());
        }
        v[d] = r & 0xffffffffL;
        rg[d] = SCALAR;
    }

    // ---- jumps --------------------------------------------------------------------------------------------

    private boolean jump64(int pc, Insn in) {
        boolean reg = Op.src(in.opcode()) == X;
        long a = v[in.dst()];
        long b = reg ? v[in.src()] : in.imm();
        int ta = rg[in.dst()];
        int tb = reg ? rg[in.src()] : SCALAR;
        int op = Op.op(in.opcode());
        if (ta != tb) {
            // a pointer against a scalar: only the null check of a lookup result has a meaning
            boolean pointerVsZero = (ta == SCALAR && a == 0) || (tb == SCALAR && b == 0);
            if (pointerVsZero && (op == JEQ || op == JNE)) {
                return op == JNE;
            }
            throw fault(pc, "comparison of a pointer with a scalar or another region");
        }
        return ScalarOps.compare(op, a, b);
    }

    private boolean jump32(int pc, Insn in) {
        boolean reg = Op.src(in.opcode()) == X;
        if (rg[in.dst()] != SCALAR || reg && rg[in.src()] != SCALAR) {
            throw fault(pc, "32-bit comparison of a pointer");
        }
        int a = (int) v[in.dst()];
        int b = reg ? (int) v[in.src()] : in.imm();
        return ScalarOps.compare32(Op.op(in.opcode()), a, b);
    }

    // ---- memory -------------------------------------------------------------------------------------------

    private int lastLoadTag;

    private MemorySegment regionMemory(int pc, int region, long offset, int bytes, boolean write) {
        MemorySegment seg;
        long limit;
        switch (region) {
            case PACKET -> {
                seg = packet;
                limit = packetLength;
            }
            case STACK -> {
                seg = stack;
                limit = stack.byteSize();
            }
            case SCALAR -> throw fault(pc, (write ? "write" : "read") + " through a scalar (not a pointer)");
            case MAP_PTR -> throw fault(pc, "access through a map pointer (use bpf_map_lookup_elem)");
            default -> {
                int i = region - FIRST_VALUE;
                if (i >= values.size()) {
                    throw fault(pc, "stale map value pointer");
                }
                seg = values.get(i);
                limit = seg.byteSize();
            }
        }
        long floor = region == STACK ? stackBottom : 0;
        if (offset < floor || offset + bytes > limit) {
            if (region == STACK) {
                offset -= v[10]; // say it as the program wrote it: relative to r10
                throw fault(pc, "out-of-bounds stack " + (write ? "write" : "read") + " of " + bytes + " bytes at r10"
                    + offset + " (a frame is " + FRAME + " bytes)");
            }
            throw fault(pc, "out-of-bounds " + (write ? "write" : "read") + " of " + bytes + " bytes at offset "
                + offset + " of a " + limit + "-byte " + regionName(region));
        }
        return seg;
    }

    private static String regionName(int region) {
        return switch (region) {
            case PACKET -> "packet";
            case STACK -> "stack";
            default -> "map value";
        };
    }

    private long load(int pc, int reg, int off, int size) {
        int region = rg[reg];
        long addr = v[reg] + off;
        int bytes = Op.bytes(size);
        lastLoadTag = SCALAR;
        if (region == CTX) {
            return contextLoad(pc, addr, bytes);
        }
        MemorySegment seg = regionMemory(pc, region, addr, bytes, false);
        if (region == STACK && bytes == 8 && (addr & 7) == 0) {
            lastLoadTag = stackTag[(int) (addr >>> 3)];
        }
        return switch (bytes) {
            case 1 -> seg.get(ValueLayout.JAVA_BYTE, addr) & 0xffL;
            case 2 -> seg.get(U16, addr) & 0xffffL;
            case 4 -> seg.get(U32, addr) & 0xffffffffL;
            default -> seg.get(U64, addr);
        };
    }

    private long contextLoad(int pc, long offset, int bytes) {
        if (bytes != 4) {
            throw fault(pc, "context fields are read 4 bytes at a time");
        }
        if (type == ProgramType.XDP) {
            // struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; }
            switch ((int) offset) {
                case 0, 8 -> {
                    lastLoadTag = PACKET;
                    return 0;
                }
                case 4 -> {
                    lastLoadTag = PACKET;
                    return packetLength;
                }
                case 12 -> {
                    return ingressIfindex;
                }
                case 16 -> {
                    return rxQueueIndex;
                }
                case 20 -> {
                    return 0;
                }
                default -> throw fault(pc, "no xdp_md field at offset " + offset);
            }
        }
        // struct __sk_buff: len at 0, protocol at 16, data at 76, data_end at 80
        switch ((int) offset) {
            case 0 -> {
                return packetLength;
            }
            case 16 -> {
                return packetLength >= 14 ? packet.get(U16, 12) & 0xffffL : 0;
            }
            case 76 -> {
                lastLoadTag = PACKET;
                return 0;
            }
            case 80 -> {
                lastLoadTag = PACKET;
                return packetLength;
            }
            default -> throw fault(pc, "no __sk_buff field at offset " + offset + " in the interpreter");
        }
    }

    private void store(int pc, int reg, int off, int size, long value, int valueTag) {
        int region = rg[reg];
        if (region == CTX) {
            throw fault(pc, "write to the context");
        }
        long addr = v[reg] + off;
        int bytes = Op.bytes(size);
        MemorySegment seg = regionMemory(pc, region, addr, bytes, true);
        if (valueTag != SCALAR && (region != STACK || bytes != 8 || (addr & 7) != 0)) {
            throw fault(pc, "a pointer may only be spilled to an aligned 8-byte stack slot");
        }
        if (region == STACK) {
            for (long a = addr & ~7L; a < addr + bytes; a += 8) {
                stackTag[(int) (a >>> 3)] = SCALAR;
            }
            if (bytes == 8 && (addr & 7) == 0) {
                stackTag[(int) (addr >>> 3)] = valueTag;
            }
        }
        switch (bytes) {
            case 1 -> seg.set(ValueLayout.JAVA_BYTE, addr, (byte) value);
            case 2 -> seg.set(U16, addr, (short) value);
            case 4 -> seg.set(U32, addr, (int) value);
            default -> seg.set(U64, addr, value);
        }
    }

    private void atomic(int pc, Insn in) {
        int size = Op.size(in.opcode());
        int d = in.dst();
        int s = in.src();
        boolean wide = size == DW;
        long old = load(pc, d, in.off(), size);
        long operand = wide ? v[s] : v[s] & 0xffffffffL;
        int aop = in.imm();
        long updated;
        if (aop == XCHG) {
            updated = operand;
        } else if (aop == CMPXCHG) {
            long expected = wide ? v[0] : v[0] & 0xffffffffL;
            updated = old == expected ? operand : old;
        } else {
            updated = switch (aop & ~FETCH) {
                case ADD -> old + operand;
                case OR -> old | operand;
                case AND -> old & operand;
                case XOR -> old ^ operand;
                default -> throw fault(pc, "unknown atomic operation 0x" + Integer.toHexString(aop));
            };
        }
        store(pc, d, in.off(), size, updated, SCALAR);
        if (aop == CMPXCHG) {
            v[0] = old;
            rg[0] = SCALAR;
        } else if ((aop & FETCH) != 0) {
            v[s] = old;
            rg[s] = SCALAR;
        }
    }

    private void ldImm64(int pc, Insn in) {
        if (pc + 1 >= code.length) {
            throw fault(pc, "LD_IMM64 without its second slot");
        }
        Insn hi = code[pc + 1];
        int d = in.dst();
        switch (in.src()) {
            case 0 -> {
                v[d] = ((long) hi.imm() << 32) | (in.imm() & 0xffffffffL);
                rg[d] = SCALAR;
            }
            case PSEUDO_MAP_FD -> {
                v[d] = mapIndexOfInsn[pc];
                rg[d] = MAP_PTR;
            }
            case PSEUDO_MAP_VALUE -> {
                InterpreterMap m = maps[mapIndexOfInsn[pc]];
                keyBuffer.set(U32, 0, 0);
                MemorySegment value = m.type() == MapType.ARRAY ? m.lookup(keyBuffer) : null;
                if (value == null) {
                    throw fault(pc, "direct value access needs an array map");
                }
                rg[d] = addValue(value);
                v[d] = hi.imm();
            }
            default -> throw fault(pc, "unknown LD_IMM64 source " + in.src());
        }
    }

    private int addValue(MemorySegment value) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == value) {
                return FIRST_VALUE + i;
            }
        }
        values.add(value);
        return FIRST_VALUE + values.size() - 1;
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private InterpreterMap mapArg(int pc) {
        if (rg[1] != MAP_PTR) {
            throw fault(pc, "helper expects a map in r1");
        }
        return maps[(int) v[1]];
    }

    private MemorySegment memArg(int pc, int reg, int bytes) {
        MemorySegment seg = regionMemory(pc, rg[reg], v[reg], bytes, false);
        return seg.asSlice(v[reg], bytes);
    }

    private void helper(int pc, int id) {
        long result;
        switch (id) {
            case Helpers.MAP_LOOKUP_ELEM -> {
                InterpreterMap m = mapArg(pc);
                MemorySegment value = m.lookup(memArg(pc, 2, m.keySize()));
                if (value == null || m.type() == MapType.XSKMAP || m.type() == MapType.DEVMAP) {
                    v[0] = 0;
                    rg[0] = SCALAR;
                } else {
                    v[0] = 0;
                    rg[0] = addValue(value);
                }
                clobber();
                return;
            }
            case Helpers.MAP_UPDATE_ELEM -> {
                InterpreterMap m = mapArg(pc);
                result = m.update(memArg(pc, 2, m.keySize()), memArg(pc, 3, m.valueSize()), v[4]);
            }
            case Helpers.MAP_DELETE_ELEM -> {
                InterpreterMap m = mapArg(pc);
                result = m.delete(memArg(pc, 2, m.keySize()));
            }
            case Helpers.KTIME_GET_NS -> result = System.nanoTime();
            case Helpers.GET_PRANDOM_U32 -> result = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
            case Helpers.GET_SMP_PROCESSOR_ID -> result = 0;
            case Helpers.REDIRECT -> result = TestRunResult.XDP_REDIRECT;
            case Helpers.XDP_LOAD_BYTES -> {
                // bpf_xdp_load_bytes(ctx, offset, buf, len): the packet here is one buffer; past its end -EFAULT
                if (rg[1] != CTX) {
                    throw fault(pc, "bpf_xdp_load_bytes expects the context in r1");
                }
                long off = v[2];
                int len = (int) v[4];
                if (len <= 0 || len > FRAME) {
                    throw fault(pc, "bpf_xdp_load_bytes length " + len);
                }
                MemorySegment buf = regionMemory(pc, rg[3], v[3], len, true);
                if (off < 0 || off + len > packetLength) {
                    result = -14; // EFAULT
                } else {
                    MemorySegment.copy(packet, off, buf, v[3], len);
                    if (rg[3] == STACK) {
                        for (long a = v[3] & ~7L; a < v[3] + len; a += 8) {
                            stackTag[(int) (a >>> 3)] = SCALAR;
                        }
                    }
                    result = 0;
                }
            }
            case Helpers.REDIRECT_MAP -> {
                InterpreterMap m = mapArg(pc);
                int key = (int) v[2];
                // the lower two bits of flags are the verdict when the slot is empty (include/uapi/linux/bpf.h)
                keyBuffer.set(U32, 0, key);
                if (m.lookup(keyBuffer) != null) {
                    redirectTarget = key;
                    result = TestRunResult.XDP_REDIRECT;
                } else {
                    result = v[3] & 3;
                }
            }
            default -> throw fault(pc, "helper " + Helpers.name(id) + "#" + id + " is not supported by the interpreter");
        }
        v[0] = result;
        rg[0] = SCALAR;
        clobber();
    }

    private void clobber() {
        for (int r = 1; r <= 5; r++) {
            v[r] = 0;
            rg[r] = SCALAR;
        }
    }
}
