package io.zcnbrh.bpf.elf;

import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.bpf.asm.Op;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BPF object file built by {@code clang -target bpf -c}, loaded without libbpf: its maps are created (legacy
 * {@code struct bpf_map_def} in section {@code maps}, and BTF-defined maps in {@code .maps}), the map references
 * in its programs relocated (R_BPF_64_64 on LD_IMM64: src_reg = BPF_PSEUDO_MAP_FD, imm = the map's fd), and every
 * program loaded under the object's license. Program sections follow libbpf's names: {@code xdp...} for XDP,
 * {@code socket...} for socket filters. What the loader does not support (calls into {@code .text}, global
 * variables, CO-RE, other program types, pinning) is refused by name.
 */
public final class BpfObject implements AutoCloseable {
    private static final int R_BPF_64_64 = 1;
    private static final int PSEUDO_MAP_FD = 1;

    private final String file;
    private final Map<String, BpfMap> maps;
    private final Map<String, BpfProgram> programs;

    private BpfObject(String file, Map<String, BpfMap> maps, Map<String, BpfProgram> programs) {
        this.file = file;
        this.maps = maps;
        this.programs = programs;
    }

    /** Loads the object file at {@code path}. */
    public static BpfObject load(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ElfFormatException("cannot read " + path + ": " + e);
        }
        return load(bytes, path.toString());
    }

    /** Loads an object held in {@code bytes}; {@code name} is for messages. */
    public static BpfObject load(byte[] bytes, String name) {
        ElfFile elf = ElfFile.parse(bytes, name);
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        Map<String, BpfProgram> programs = new LinkedHashMap<>();
        try {
            // maps by (section index, offset) for the relocations, and by name for the user
            Map<Long, BpfMap> mapAt = new LinkedHashMap<>();
            createLegacyMaps(elf, maps, mapAt);
            createBtfMaps(elf, maps, mapAt);
            String license = license(elf);
            for (ElfFile.Section s : elf.sections()) {
                if (!s.executable() || s.size() == 0) {
                    continue;
                }
                if (s.name().equals(".text")) {
                    throw elf.error("section .text holds code (functions that are not inlined); bpf-to-bpf calls are "
                        + "not supported: mark helpers 'static __always_inline'");
                }
                ProgramType type = programType(elf, s);
                Insn[] code = decode(elf, s);
                relocate(elf, s, code, mapAt);
                for (ElfFile.Symbol f : functions(elf, s)) {
                    if (f.value() < 0 || f.size() <= 0 || f.value() % Insn.SIZE != 0 || f.size() % Insn.SIZE != 0
                        || f.value() + f.size() > (long) code.length * Insn.SIZE) {
                        throw elf.error("function '" + f.name() + "' does not lie on instruction bounds in " + s.name());
                    }
                    int first = (int) (f.value() / Insn.SIZE);
                    int count = (int) (f.size() / Insn.SIZE);
                    List<Insn> insns = List.of(code).subList(first, first + count);
                    programs.put(f.name(), BpfProgram.load(type, insns, kernelName(f.name()), license,
                        s.name().startsWith("xdp.frags")));
                }
            }
            if (programs.isEmpty()) {
                throw elf.error("no program found (a function in a section named xdp or socket, e.g. SEC(\"xdp\"))");
            }
            return new BpfObject(name, maps, programs);
        } catch (RuntimeException e) {
            programs.values().forEach(BpfProgram::close);
            maps.values().forEach(BpfMap::close);
            throw e;
        }
    }

    private static void createLegacyMaps(ElfFile elf, Map<String, BpfMap> maps, Map<Long, BpfMap> mapAt) {
        ElfFile.Section sec = elf.section("maps");
        if (sec == null) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(elf.data(sec)).order(ByteOrder.LITTLE_ENDIAN);
        for (ElfFile.Symbol sym : elf.symbols()) {
            if (sym.section() != sec.index() || sym.type() == ElfFile.STT_SECTION) {
                continue;
            }
            if (sym.value() < 0 || sym.value() + 20 > b.limit()) {
                throw elf.error("legacy map '" + sym.name() + "' lies outside section maps (a struct bpf_map_def is "
                    + "20 bytes: type, key_size, value_size, max_entries, map_flags)");
            }
            int at = (int) sym.value();
            BpfMap m = create(elf, sym.name(), b.getInt(at), b.getInt(at + 4), b.getInt(at + 8), b.getInt(at + 12),
                b.getInt(at + 16));
            maps.put(sym.name(), m);
            mapAt.put(key(sec.index(), sym.value()), m);
        }
    }

    private static void createBtfMaps(ElfFile elf, Map<String, BpfMap> maps, Map<Long, BpfMap> mapAt) {
        ElfFile.Section sec = elf.section(".maps");
        if (sec == null) {
            return;
        }
        ElfFile.Section btfSection = elf.section(".BTF");
        if (btfSection == null) {
            throw elf.error("section .maps needs BTF to describe its maps: compile with -g");
        }
        Map<String, Btf.MapDef> defs = Btf.parse(elf.data(btfSection), elf).maps();
        for (ElfFile.Symbol sym : elf.symbols()) {
            if (sym.section() != sec.index() || sym.type() == ElfFile.STT_SECTION) {
                continue;
            }
            Btf.MapDef d = defs.get(sym.name());
            if (d == null) {
                throw elf.error("map '" + sym.name() + "' in .maps has no BTF description");
            }
            BpfMap m = create(elf, sym.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries(), d.flags());
            maps.put(sym.name(), m);
            mapAt.put(key(sec.index(), sym.value()), m);
        }
    }

    private static BpfMap create(ElfFile elf, String name, int type, int key, int value, int max, int flags) {
        MapType t = MapType.of(type);
        if (t == null) {
            throw elf.error("map '" + name + "' has type " + type + ", which this loader does not create (supported: "
                + java.util.Arrays.stream(MapType.values()).map(v -> v + " (" + v.number() + ")").toList() + ")");
        }
        return BpfMap.create(t, key, value, max, flags, kernelName(name));
    }

    private static long key(int section, long offset) {
        return (long) section << 40 | offset;
    }

    private static String license(ElfFile elf) {
        ElfFile.Section s = elf.section("license");
        if (s == null) {
            return "GPL"; // what clang objects without a license section get from libbpf too: none; GPL is the safe default
        }
        byte[] d = elf.data(s);
        int n = 0;
        while (n < d.length && d[n] != 0) {
            n++;
        }
        return new String(d, 0, n, StandardCharsets.US_ASCII);
    }

    private static ProgramType programType(ElfFile elf, ElfFile.Section s) {
        String n = s.name();
        if (n.equals("xdp") || n.startsWith("xdp/") || n.startsWith("xdp.") || n.startsWith("xdp_")) {
            if (n.startsWith("xdp/cpumap") || n.startsWith("xdp/devmap")) {
                throw elf.error("program section '" + n + "' needs attach flags this loader does not set "
                    + "(cpumap, devmap)");
            }
            return ProgramType.XDP;
        }
        if (n.equals("socket") || n.startsWith("socket/")) {
            return ProgramType.SOCKET_FILTER;
        }
        throw elf.error("program section '" + n + "' is not a type this loader loads (XDP: SEC(\"xdp\"), socket "
            + "filter: SEC(\"socket\"))");
    }

    private static Insn[] decode(ElfFile elf, ElfFile.Section s) {
        if (s.size() % Insn.SIZE != 0) {
            throw elf.error("section " + s.name() + " is " + s.size() + " bytes, not whole instructions");
        }
        byte[] d = elf.data(s);
        var seg = java.lang.foreign.MemorySegment.ofArray(d);
        Insn[] code = new Insn[d.length / Insn.SIZE];
        for (int i = 0; i < code.length; i++) {
            code[i] = decodeLittleEndian(seg, (long) i * Insn.SIZE);
        }
        return code;
    }

    private static Insn decodeLittleEndian(java.lang.foreign.MemorySegment in, long at) {
        ByteBuffer b = in.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int regs = b.get((int) at + 1) & 0xff;
        return new Insn(b.get((int) at) & 0xff, regs & 0x0f, regs >>> 4, b.getShort((int) at + 2), b.getInt((int) at + 4));
    }

    private static void relocate(ElfFile elf, ElfFile.Section prog, Insn[] code, Map<Long, BpfMap> mapAt) {
        for (ElfFile.Section r : elf.sections()) {
            if (r.type() != ElfFile.SHT_REL || r.info() != prog.index()) {
                continue;
            }
            for (ElfFile.Rel rel : elf.rels(r)) {
                ElfFile.Symbol sym = elf.symbol(rel.symbol());
                int idx = (int) (rel.offset() / Insn.SIZE);
                if (rel.offset() < 0 || rel.offset() % Insn.SIZE != 0 || rel.offset() / Insn.SIZE >= code.length) {
                    throw elf.error("a relocation in " + r.name() + " points outside its program");
                }
                String target = sym.section() > 0 && sym.section() < elf.sections().size()
                    ? elf.sections().get(sym.section()).name() : "section " + sym.section();
                if (target.equals(".text") || code[idx].opcode() == (Op.JMP | Op.CALL)) {
                    throw elf.error("instruction " + idx + " of " + prog.name() + " calls '" + sym.name() + "' in "
                        + target + ": bpf-to-bpf calls are not supported; mark it 'static __always_inline'");
                }
                if (target.equals(".data") || target.equals(".bss") || target.startsWith(".rodata")) {
                    throw elf.error("instruction " + idx + " of " + prog.name() + " uses the global variable '"
                        + sym.name() + "' (" + target + "): global variables are not supported; keep state in a map");
                }
                BpfMap m = mapAt.get(key(sym.section(), sym.value()));
                if (m == null || rel.type() != R_BPF_64_64 || !code[idx].isWide()) {
                    throw elf.error("instruction " + idx + " of " + prog.name() + " refers to '" + sym.name() + "' in "
                        + target + " (relocation type " + rel.type() + "), which is not a map this loader created");
                }
                Insn in = code[idx];
                code[idx] = new Insn(in.opcode(), in.dst(), PSEUDO_MAP_FD, in.off(), 0, m);
            }
        }
    }

    private static List<ElfFile.Symbol> functions(ElfFile elf, ElfFile.Section s) {
        List<ElfFile.Symbol> out = new ArrayList<>();
        for (ElfFile.Symbol sym : elf.symbols()) {
            if (sym.section() == s.index() && sym.type() == ElfFile.STT_FUNC) {
                out.add(sym);
            }
        }
        if (out.isEmpty()) {
            throw elf.error("section " + s.name() + " has code but no function symbol");
        }
        return out;
    }

    /** Kernel object names are 15 characters of [A-Za-z0-9_.]. */
    private static String kernelName(String name) {
        String n = name.replaceAll("[^A-Za-z0-9_.]", "_");
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    /** The program named {@code function}. */
    public BpfProgram program(String function) {
        BpfProgram p = programs.get(function);
        if (p == null) {
            throw new IllegalArgumentException(file + " has no program '" + function + "' (it has " + programs.keySet()
                + ")");
        }
        return p;
    }

    /** The only program, or an error naming them all. */
    public BpfProgram program() {
        if (programs.size() != 1) {
            throw new IllegalArgumentException(file + " has " + programs.size() + " programs " + programs.keySet()
                + ": name one");
        }
        return programs.values().iterator().next();
    }

    /** Every program by function name. */
    public Map<String, BpfProgram> programs() {
        return java.util.Collections.unmodifiableMap(programs);
    }

    /** The map named {@code name}. */
    public BpfMap map(String name) {
        BpfMap m = maps.get(name);
        if (m == null) {
            throw new IllegalArgumentException(file + " has no map '" + name + "' (it has " + maps.keySet() + ")");
        }
        return m;
    }

    /** Every map by variable name. */
    public Map<String, BpfMap> maps() {
        return java.util.Collections.unmodifiableMap(maps);
    }

    /** The object's one XSKMAP, which AF_XDP sockets go into. */
    public BpfMap xskMap() {
        List<String> found = maps.entrySet().stream().filter(e -> e.getValue().type() == MapType.XSKMAP)
            .map(Map.Entry::getKey).toList();
        if (found.size() != 1) {
            throw new IllegalArgumentException(file + " has " + (found.isEmpty() ? "no XSKMAP" : "several XSKMAPs "
                + found) + "; an AF_XDP port needs exactly one to put its socket into");
        }
        return maps.get(found.get(0));
    }

    @Override
    public void close() {
        programs.values().forEach(BpfProgram::close);
        maps.values().forEach(BpfMap::close);
    }

    @Override
    public String toString() {
        return file + ": programs " + programs.keySet() + ", maps " + maps.keySet();
    }
}
