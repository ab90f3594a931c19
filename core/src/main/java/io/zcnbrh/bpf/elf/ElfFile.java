package io.zcnbrh.bpf.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A 64-bit little-endian ELF relocatable object for the BPF machine (what {@code clang -target bpf -c} writes):
 * section headers, the symbol table and REL relocations (elf(5)). Untrusted input: every offset and size is
 * checked against the file before it is read.
 */
final class ElfFile {
    static final int SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_REL = 9, SHT_NOBITS = 8;
    static final long SHF_EXECINSTR = 4;
    static final int STT_FUNC = 2, STT_SECTION = 3;
    private static final int EM_BPF = 247;

    record Section(int index, String name, int type, long flags, long offset, long size, int link, int info) {
        boolean executable() {
            return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
        }
    }

    record Symbol(String name, int type, int section, long value, long size) {
    }

    record Rel(long offset, int symbol, int type) {
    }

    private final String file;
    private final ByteBuffer b;
    private final List<Section> sections = new ArrayList<>();
    private final List<Symbol> symbols = new ArrayList<>();

    private ElfFile(byte[] bytes, String file) {
        this.file = file;
        this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 64 || b.getInt(0) != 0x464c457f) {
            throw error("not an ELF file");
        }
        if (bytes[4] != 2) {
            throw error("a 32-bit ELF file; BPF objects are 64-bit (clang -target bpf)");
        }
        if (bytes[5] != 1) {
            throw error("a big-endian ELF file (built with -target bpfeb?); this machine needs little-endian "
                + "(clang -target bpf or bpfel)");
        }
        int machine = b.getShort(18) & 0xffff;
        if (machine != EM_BPF) {
            throw error("built for ELF machine " + machine + ", not BPF (247): compile with clang -target bpf");
        }
        int type = b.getShort(16) & 0xffff;
        if (type != 1) {
            throw error("ELF type " + type + " is not a relocatable object (ET_REL): compile with -c");
        }
        long shoff = b.getLong(40);
        int shentsize = b.getShort(58) & 0xffff;
        int shnum = b.getShort(60) & 0xffff;
        int shstrndx = b.getShort(62) & 0xffff;
        if (shentsize != 64 || shnum == 0 || shstrndx >= shnum) {
            throw error("bad section header table (entry size " + shentsize + ", " + shnum + " sections, names in "
                + shstrndx + ")");
        }
        check(shoff, (long) shnum * shentsize, "the section header table");
        long[][] raw = new long[shnum][];
        for (int i = 0; i < shnum; i++) {
            int at = (int) (shoff + 64L * i);
            raw[i] = new long[] {b.getInt(at) & 0xffffffffL, b.getInt(at + 4), b.getLong(at + 8), b.getLong(at + 24),
                b.getLong(at + 32), b.getInt(at + 40), b.getInt(at + 44)};
            if (raw[i][1] != SHT_NOBITS) {
                check(raw[i][3], raw[i][4], "section " + i);
            }
        }
        for (int i = 0; i < shnum; i++) {
            String name = string(raw[shstrndx][3], raw[shstrndx][4], raw[i][0], "section name");
            sections.add(new Section(i, name, (int) raw[i][1], raw[i][2], raw[i][3], raw[i][4], (int) raw[i][5],
                (int) raw[i][6]));
        }
        for (Section s : sections) {
            if (s.type() == SHT_SYMTAB) {
                if (s.link() <= 0 || s.link() >= sections.size()) {
                    throw error("the symbol table names no string table");
                }
                Section strtab = sections.get(s.link());
                for (long at = s.offset() + 24; at + 24 <= s.offset() + s.size(); at += 24) { // entry 0 is null
                    int p = (int) at;
                    symbols.add(new Symbol(string(strtab.offset(), strtab.size(), b.getInt(p) & 0xffffffffL, "symbol name"),
                        b.get(p + 4) & 0xf, b.getShort(p + 6) & 0xffff, b.getLong(p + 8), b.getLong(p + 16)));
                }
            }
        }
    }

    static ElfFile parse(byte[] bytes, String file) {
        return new ElfFile(bytes, file);
    }

    String file() {
        return file;
    }

    List<Section> sections() {
        return sections;
    }

    Section section(String name) {
        for (Section s : sections) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Symbols in table order, without the null entry: index {@code i} here is symbol {@code i + 1} in the file. */
    List<Symbol> symbols() {
        return symbols;
    }

    Symbol symbol(int index) {
        if (index <= 0 || index > symbols.size()) {
            throw error("a relocation names symbol " + index + ", which does not exist");
        }
        return symbols.get(index - 1);
    }

    byte[] data(Section s) {
        if (s.type() == SHT_NOBITS) {
            throw error("section " + s.name() + " has no contents in the file (SHT_NOBITS)");
        }
        byte[] out = new byte[(int) s.size()];
        b.get((int) s.offset(), out);
        return out;
    }

    /** The REL entries of {@code s} (16 bytes each: offset, then symbol << 32 | type). */
    List<Rel> rels(Section s) {
        List<Rel> out = new ArrayList<>();
        for (long at = s.offset(); at + 16 <= s.offset() + s.size(); at += 16) {
            long info = b.getLong((int) at + 8);
            out.add(new Rel(b.getLong((int) at), (int) (info >>> 32), (int) info));
        }
        return out;
    }

    ElfFormatException error(String what) {
        return new ElfFormatException(file + ": " + what);
    }

    private void check(long offset, long size, String what) {
        if (offset < 0 || size < 0 || offset > b.limit() || size > b.limit() - offset) {
            throw error(what + " (" + size + " bytes at " + offset + ") runs past the end of the file (" + b.limit()
                + " bytes)");
        }
    }

    private String string(long tableOffset, long tableSize, long at, String what) {
        if (at >= tableSize) {
            throw error(what + " at " + at + " lies outside its string table");
        }
        int start = (int) (tableOffset + at);
        int end = start;
        while (end < tableOffset + tableSize && b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - start];
        b.get(start, s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
