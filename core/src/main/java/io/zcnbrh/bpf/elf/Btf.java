package io.zcnbrh.bpf.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough of BTF (Documentation/bpf/btf.rst) to read BTF-defined maps: the {@code .maps} data section's
 * variables, each a struct whose members encode the map's attributes. {@code __uint(name, N)} is a member of type
 * "pointer to array of N"; {@code __type(name, T)} a member of type "pointer to T", whose size is the key or value
 * size.
 */
final class Btf {
    private static final int INT = 1, PTR = 2, ARRAY = 3, STRUCT = 4, UNION = 5, ENUM = 6, FWD = 7, TYPEDEF = 8,
        VOLATILE = 9, CONST = 10, RESTRICT = 11, FUNC = 12, FUNC_PROTO = 13, VAR = 14, DATASEC = 15, FLOAT = 16,
        DECL_TAG = 17, TYPE_TAG = 18, ENUM64 = 19;

    /** One type: kind, name, vlen, size-or-type, and its members (name, type, offset) or array data. */
    private record Type(int kind, String name, int vlen, int sizeOrType, int[][] members) {
    }

    private final List<Type> types = new ArrayList<>(); // index = type id; 0 is void
    private final List<String> memberNames = new ArrayList<>();
    private final ElfFile elf;

    private Btf(byte[] data, ElfFile elf) {
        this.elf = elf;
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 24 || (b.getShort(0) & 0xffff) != 0xeb9f) {
            throw elf.error(".BTF has no BTF header (magic 0xeb9f)");
        }
        int hdrLen = b.getInt(4);
        int typeOff = b.getInt(8);
        int typeLen = b.getInt(12);
        int strOff = b.getInt(16);
        int strLen = b.getInt(20);
        long types0 = (long) hdrLen + typeOff;
        long strings0 = (long) hdrLen + strOff;
        if (hdrLen < 24 || typeOff < 0 || strOff < 0 || typeLen < 0 || strLen < 0 || types0 + typeLen > data.length
            || strings0 + strLen > data.length) {
            throw elf.error(".BTF sections run past its end");
        }
        types.add(new Type(0, "", 0, 0, new int[0][]));
        int at = (int) types0;
        int end = (int) (types0 + typeLen);
        while (at + 12 <= end) {
            String name = string(b, (int) strings0, strLen, b.getInt(at));
            int info = b.getInt(at + 4);
            int vlen = info & 0xffff;
            int kind = info >>> 24 & 0x1f;
            int sizeOrType = b.getInt(at + 8);
            at += 12;
            int[][] members;
            int each = switch (kind) {
                case STRUCT, UNION, DATASEC, ENUM64 -> 12;
                case ENUM, FUNC_PROTO -> 8;
                default -> 0;
            };
            switch (kind) {
                case INT, VAR, DECL_TAG -> {
                    members = new int[][] {{b.getInt(at)}};
                    at += 4;
                }
                case ARRAY -> {
                    members = new int[][] {{b.getInt(at), b.getInt(at + 4), b.getInt(at + 8)}};
                    at += 12;
                }
                case STRUCT, UNION, DATASEC, ENUM, FUNC_PROTO, ENUM64 -> {
                    if (at + (long) vlen * each > end) {
                        throw elf.error(".BTF type " + types.size() + " runs past the type section");
                    }
                    members = new int[vlen][];
                    for (int i = 0; i < vlen; i++) {
                        members[i] = each == 12 ? new int[] {b.getInt(at), b.getInt(at + 4), b.getInt(at + 8)}
                            : new int[] {b.getInt(at), b.getInt(at + 4)};
                        at += each;
                    }
                }
                case PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG -> members = new int[0][];
                default -> throw elf.error(".BTF type " + types.size() + " has kind " + kind + ", which this loader "
                    + "does not know (a newer compiler?)");
            }
            if (at > end) {
                throw elf.error(".BTF type " + types.size() + " runs past the type section");
            }
            types.add(new Type(kind, name, vlen, sizeOrType, members));
            if (kind == STRUCT || kind == UNION) {
                // a member's first field is its name's offset; replace it by the index of the name, read now
                for (int[] m : members) {
                    memberNames.add(string(b, (int) strings0, strLen, m[0]));
                    m[0] = memberNames.size() - 1;
                }
            }
        }
    }

    static Btf parse(byte[] data, ElfFile elf) {
        return new Btf(data, elf);
    }

    /** A map's attributes as read from BTF. */
    record MapDef(int type, int keySize, int valueSize, int maxEntries, int flags) {
    }

    /** The BTF-defined maps of {@code .maps}, by variable name. */
    Map<String, MapDef> maps() {
        Map<String, MapDef> out = new LinkedHashMap<>();
        for (Type t : types) {
            if (t.kind() != DATASEC || !t.name().equals(".maps")) {
                continue;
            }
            for (int[] var : t.members()) {
                Type v = type(var[0]);
                if (v.kind() != VAR) {
                    throw elf.error(".maps entry " + var[0] + " is not a variable");
                }
                out.put(v.name(), mapDef(v.name(), type(resolve(v.sizeOrType()))));
            }
        }
        return out;
    }

    private MapDef mapDef(String map, Type def) {
        if (def.kind() != STRUCT) {
            throw elf.error("map '" + map + "' in .maps is not a struct");
        }
        int mapType = -1, key = -1, value = -1, max = -1, flags = 0;
        for (int[] m : def.members()) {
            String member = memberNames.get(m[0]);
            Type t = type(resolve(m[1]));
            switch (member) {
                case "type" -> mapType = uintMember(map, member, t);
                case "max_entries" -> max = uintMember(map, member, t);
                case "map_flags" -> flags = uintMember(map, member, t);
                case "key_size" -> key = uintMember(map, member, t);
                case "value_size" -> value = uintMember(map, member, t);
                case "key" -> key = pointeeSize(map, member, t);
                case "value" -> value = pointeeSize(map, member, t);
                default -> throw elf.error("map '" + map + "': the BTF map attribute '" + member + "' is not "
                    + "supported (supported: type, key, value, key_size, value_size, max_entries, map_flags)");
            }
        }
        if (mapType < 0 || key < 0 || value < 0 || max < 0) {
            throw elf.error("map '" + map + "' lacks " + (mapType < 0 ? "type" : key < 0 ? "key or key_size"
                : value < 0 ? "value or value_size" : "max_entries"));
        }
        return new MapDef(mapType, key, value, max, flags);
    }

    /** {@code __uint(name, N)}: pointer to an array of N elements. */
    private int uintMember(String map, String member, Type t) {
        if (t.kind() == PTR) {
            Type a = type(resolve(t.sizeOrType()));
            if (a.kind() == ARRAY) {
                return a.members()[0][2];
            }
        }
        throw elf.error("map '" + map + "': attribute '" + member + "' is not written as __uint(" + member + ", N)");
    }

    /** {@code __type(name, T)}: pointer to T; the size of T. */
    private int pointeeSize(String map, String member, Type t) {
        if (t.kind() != PTR) {
            throw elf.error("map '" + map + "': attribute '" + member + "' is not written as __type(" + member + ", T)");
        }
        return size(t.sizeOrType(), 0);
    }

    private int size(int id, int depth) {
        if (depth > 32) {
            throw elf.error(".BTF type chain too deep at type " + id);
        }
        Type t = type(id);
        return switch (t.kind()) {
            case INT, STRUCT, UNION, ENUM, ENUM64, FLOAT, DATASEC -> t.sizeOrType();
            case PTR -> 8;
            case ARRAY -> t.members()[0][2] * size(t.members()[0][0], depth + 1);
            case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG -> size(t.sizeOrType(), depth + 1);
            default -> throw elf.error(".BTF type " + id + " (kind " + t.kind() + ") has no size");
        };
    }

    /** Skips typedefs and qualifiers. */
    private int resolve(int id) {
        for (int i = 0; i < 32; i++) {
            Type t = type(id);
            if (t.kind() != TYPEDEF && t.kind() != VOLATILE && t.kind() != CONST && t.kind() != RESTRICT
                && t.kind() != TYPE_TAG) {
                return id;
            }
            id = t.sizeOrType();
        }
        throw elf.error(".BTF typedef chain too deep at type " + id);
    }

    private Type type(int id) {
        if (id < 0 || id >= types.size()) {
            throw elf.error(".BTF refers to type " + id + ", which does not exist");
        }
        return types.get(id);
    }

    private String string(ByteBuffer b, int base, int len, int off) {
        if (off < 0 || off >= Math.max(len, 1)) {
            throw elf.error(".BTF string offset " + off + " lies outside its string section");
        }
        int end = base + off;
        while (end < base + len && b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - base - off];
        b.get(base + off, s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
