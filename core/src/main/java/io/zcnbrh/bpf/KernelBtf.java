package io.zcnbrh.bpf;

import io.zcnbrh.error.ZcnbrhException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The running kernel's own BTF ({@code /sys/kernel/btf/vmlinux}, CONFIG_DEBUG_INFO_BTF): here only to find a
 * kernel function's BTF type id, which a kfunc call names (BPF_PSEUDO_KFUNC_CALL, Documentation/bpf/kfuncs.rst).
 * The type section is walked once by the sizes btf.rst gives each kind; ids are cached per name.
 */
public final class KernelBtf {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final int FUNC = 12;
    private static final Map<String, Integer> IDS = new ConcurrentHashMap<>();

    private KernelBtf() {
    }

    /** The BTF id of kernel function {@code name}, or a clear error saying why there is none. */
    public static int functionId(String name) {
        Integer id = IDS.get(name);
        if (id != null) {
            return id;
        }
        byte[] data;
        try {
            data = Files.readAllBytes(VMLINUX);
        } catch (IOException e) {
            throw new ZcnbrhException("cannot read " + VMLINUX + " (" + e.getMessage() + "): this kernel has no BTF "
                + "(CONFIG_DEBUG_INFO_BTF), so kernel functions (kfuncs) such as " + name + " cannot be called", e);
        }
        int found = scan(data, name);
        if (found <= 0) {
            throw new ZcnbrhException("this kernel's BTF has no function " + name + " (a newer kernel has it)");
        }
        IDS.put(name, found);
        return found;
    }

    /** The id of FUNC {@code name} in raw BTF {@code data}, or 0. */
    static int scan(byte[] data, String name) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 24 || (b.getShort(0) & 0xffff) != 0xeb9f) {
            throw new ZcnbrhException(VMLINUX + " is not BTF (no magic 0xeb9f)");
        }
        int hdrLen = b.getInt(4);
        int types = hdrLen + b.getInt(8);
        int end = types + b.getInt(12);
        int strings = hdrLen + b.getInt(16);
        byte[] wanted = name.getBytes(StandardCharsets.US_ASCII);
        int at = types;
        for (int id = 1; at + 12 <= end; id++) {
            int nameOff = b.getInt(at);
            int info = b.getInt(at + 4);
            int vlen = info & 0xffff;
            int kind = info >>> 24 & 0x1f;
            if (kind == FUNC && nameIs(data, strings + nameOff, wanted)) {
                return id;
            }
            at += 12 + switch (kind) {
                case 1, 14, 17 -> 4;           // INT, VAR, DECL_TAG
                case 3 -> 12;                  // ARRAY
                case 4, 5, 15, 19 -> 12 * vlen; // STRUCT, UNION, DATASEC, ENUM64
                case 6, 13 -> 8 * vlen;        // ENUM, FUNC_PROTO
                default -> 0;                  // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG
            };
        }
        return 0;
    }

    private static boolean nameIs(byte[] data, int at, byte[] wanted) {
        if (at + wanted.length >= data.length || data[at + wanted.length] != 0) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            if (data[at + i] != wanted[i]) {
                return false;
            }
        }
        return true;
    }
}
