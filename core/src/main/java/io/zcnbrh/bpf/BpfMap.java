package io.zcnbrh.bpf;

import io.zcnbrh.bpf.sys.BpfCommand;
import io.zcnbrh.bpf.sys.BpfSyscall;
import io.zcnbrh.bpf.sys.InfoAttr;
import io.zcnbrh.bpf.sys.MapCreateAttr;
import io.zcnbrh.bpf.sys.MapElemAttr;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF map in the kernel, reached through {@code bpf(2)}: create, lookup, update, delete, iterate, pin, open.
 * Keys and values are byte segments of the map's sizes (per-CPU maps: one 8-byte-aligned value per possible CPU).
 * Closing the map closes its fd; the kernel frees it when no program or pin holds it.
 */
public final class BpfMap implements AutoCloseable {
    /** BPF_ANY: create or update. */
    public static final long ANY = 0;
    /** BPF_NOEXIST: create only. */
    public static final long NOEXIST = 1;
    /** BPF_EXIST: update only. */
    public static final long EXIST = 2;

    private final int fd;
    private final MapType type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final String name;
    private boolean closed;

    private BpfMap(int fd, MapType type, int keySize, int valueSize, int maxEntries, String name) {
        this.fd = fd;
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.name = name;
    }

    /** Creates a map; a name of up to 15 characters [A-Za-z0-9_.] shows in bpftool. */
    public static BpfMap create(MapType type, int keySize, int valueSize, int maxEntries, String name) {
        return create(type, keySize, valueSize, maxEntries, 0, name);
    }

    /** Creates a map with {@code flags} (BPF_F_NO_PREALLOC and friends, include/uapi/linux/bpf.h). */
    public static BpfMap create(MapType type, int keySize, int valueSize, int maxEntries, int flags, String name) {
        checkName(name);
        if (keySize <= 0 || valueSize <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException(type + " map needs positive key size, value size and max entries, got "
                + keySize + "/" + valueSize + "/" + maxEntries);
        }
        if ((type == MapType.ARRAY || type == MapType.PERCPU_ARRAY || type == MapType.XSKMAP || type == MapType.DEVMAP)
            && keySize != 4) {
            throw new IllegalArgumentException(type + " maps are indexed by a 4-byte key, not " + keySize + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(MapCreateAttr.SIZE, 8);
            attr.set(JAVA_INT, MapCreateAttr.MAP_TYPE, type.number());
            attr.set(JAVA_INT, MapCreateAttr.KEY_SIZE, keySize);
            attr.set(JAVA_INT, MapCreateAttr.VALUE_SIZE, valueSize);
            attr.set(JAVA_INT, MapCreateAttr.MAX_ENTRIES, maxEntries);
            attr.set(JAVA_INT, MapCreateAttr.MAP_FLAGS, flags);
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(n, 0, attr, JAVA_BYTE, MapCreateAttr.MAP_NAME, n.length);
            long rc = BpfSyscall.call(BpfCommand.MAP_CREATE, attr);
            if (rc < 0) {
                int errno = (int) -rc;
                String hint = errno == Errno.EINVAL
                    ? "the kernel refused " + type + " with key " + keySize + " B, value " + valueSize + " B, "
                    + maxEntries + " entries (XSKMAP and DEVMAP values are 4 bytes; " + type + " needs Linux "
                    + type.since() + ")"
                    : BpfSyscall.hint(errno);
                throw new SyscallException("bpf(BPF_MAP_CREATE " + type + " '" + name + "')", errno, hint);
            }
            return new BpfMap((int) rc, type, keySize, valueSize, maxEntries, name);
        }
    }

    static void checkName(String name) {
        if (name.length() > 15 || !name.matches("[A-Za-z0-9_.]*")) {
            throw new IllegalArgumentException("BPF object names are at most 15 characters of [A-Za-z0-9_.], not '"
                + name + "'");
        }
    }

    /** Opens a map pinned at {@code path} in bpffs and learns its type and sizes from the kernel. */
    public static BpfMap open(Path path) {
        int fd = BpfObjects.get(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(InfoAttr.MAP_INFO_SIZE + 64, 8);
            MemorySegment attr = arena.allocate(InfoAttr.SIZE, 8);
            attr.set(JAVA_INT, InfoAttr.BPF_FD, fd);
            attr.set(JAVA_INT, InfoAttr.INFO_LEN, (int) info.byteSize());
            attr.set(JAVA_LONG, InfoAttr.INFO, info.address());
            BpfSyscall.callOrThrow(BpfCommand.OBJ_GET_INFO_BY_FD, attr, "of " + path);
            MapType type = MapType.of(info.get(JAVA_INT, InfoAttr.MAP_INFO_TYPE));
            if (type == null) {
                Libc.close(fd);
                throw new ZcnbrhException(path + " is a map of type " + info.get(JAVA_INT, InfoAttr.MAP_INFO_TYPE)
                    + ", which this library does not handle");
            }
            String name = info.asSlice(InfoAttr.MAP_INFO_NAME, 16).getString(0);
            return new BpfMap(fd, type, info.get(JAVA_INT, InfoAttr.MAP_INFO_KEY_SIZE),
                info.get(JAVA_INT, InfoAttr.MAP_INFO_VALUE_SIZE), info.get(JAVA_INT, InfoAttr.MAP_INFO_MAX_ENTRIES),
                name);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** The map's file descriptor. */
    public int fd() {
        checkOpen();
        return fd;
    }

    /** The map type. */
    public MapType type() {
        return type;
    }

    /** Key bytes. */
    public int keySize() {
        return keySize;
    }

    /** Value bytes (per CPU for per-CPU maps). */
    public int valueSize() {
        return valueSize;
    }

    /** Maximum entries. */
    public int maxEntries() {
        return maxEntries;
    }

    /** The map's name. */
    public String name() {
        return name;
    }

    /** Bytes a lookup writes: the value size, or for per-CPU maps one 8-byte-aligned value per possible CPU. */
    public int valueBufferSize() {
        return type.perCpu() ? ((valueSize + 7) & ~7) * PossibleCpus.count() : valueSize;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("map '" + name + "' is closed");
        }
    }

    private void check(MemorySegment seg, long size, String what) {
        if (seg.byteSize() < size) {
            throw new IllegalArgumentException(what + " needs " + size + " bytes for map '" + name + "', got "
                + seg.byteSize());
        }
    }

    private MemorySegment elemAttr(Arena arena, MemorySegment key, MemorySegment value, long flags) {
        MemorySegment attr = arena.allocate(MapElemAttr.SIZE, 8);
        attr.set(JAVA_INT, MapElemAttr.MAP_FD, fd());
        attr.set(JAVA_LONG, MapElemAttr.KEY, key == null ? 0 : key.address());
        attr.set(JAVA_LONG, MapElemAttr.VALUE, value == null ? 0 : value.address());
        attr.set(JAVA_LONG, MapElemAttr.FLAGS, flags);
        return attr;
    }

    /** Copies the value of {@code key} into {@code value}; false when there is no such key. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        check(key, keySize, "key");
        check(value, valueBufferSize(), "value buffer");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(keySize, 8).copyFrom(key.asSlice(0, keySize));
            MemorySegment v = arena.allocate(valueBufferSize(), 8);
            long rc = BpfSyscall.call(BpfCommand.MAP_LOOKUP_ELEM, elemAttr(arena, k, v, 0));
            if (rc == -Errno.ENOENT) {
                return false;
            }
            if (rc < 0) {
                throw new SyscallException("bpf(BPF_MAP_LOOKUP_ELEM '" + name + "')", (int) -rc, BpfSyscall.hint((int) -rc));
            }
            MemorySegment.copy(v, 0, value, 0, valueBufferSize());
            return true;
        }
    }

    /** Sets {@code key} to {@code value} with BPF_ANY, BPF_NOEXIST or BPF_EXIST. */
    public void update(MemorySegment key, MemorySegment value, long flags) {
        check(key, keySize, "key");
        check(value, valueBufferSize(), "value");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(keySize, 8).copyFrom(key.asSlice(0, keySize));
            MemorySegment v = arena.allocate(valueBufferSize(), 8).copyFrom(value.asSlice(0, valueBufferSize()));
            long rc = BpfSyscall.call(BpfCommand.MAP_UPDATE_ELEM, elemAttr(arena, k, v, flags));
            if (rc < 0) {
                int errno = (int) -rc;
                String hint = switch (errno) {
                    case Errno.E2BIG -> type == MapType.ARRAY || type == MapType.PERCPU_ARRAY
                        || type == MapType.PROG_ARRAY || type == MapType.XSKMAP || type == MapType.DEVMAP
                        ? "the index is past the array's " + maxEntries + " entries" // found by its test
                        : "the map is full (" + maxEntries + " entries)";
                    case Errno.EEXIST -> "the key exists and BPF_NOEXIST was asked";
                    case Errno.ENOENT -> "the key does not exist and BPF_EXIST was asked";
                    case Errno.EINVAL -> type == MapType.ARRAY || type == MapType.PERCPU_ARRAY
                        ? "array index out of range or bad flags" : "bad flags or value";
                    default -> BpfSyscall.hint(errno);
                };
                throw new SyscallException("bpf(BPF_MAP_UPDATE_ELEM '" + name + "')", errno, hint);
            }
        }
    }

    /** Convenience for 4-byte keys and 8-byte values. */
    public void update(int key, long value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, key);
            MemorySegment v = arena.allocate(Math.max(valueBufferSize(), 8), 8);
            v.set(JAVA_LONG, 0, value);
            update(k, v, ANY);
        }
    }

    /** Convenience: the first 8 bytes of the value at 4-byte {@code key} (the first CPU's, for per-CPU maps), or null. */
    public Long lookupLong(int key) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(JAVA_INT);
            k.set(JAVA_INT, 0, key);
            MemorySegment v = arena.allocate(Math.max(valueBufferSize(), 8), 8);
            return lookup(k, v) ? v.get(JAVA_LONG, 0) : null;
        }
    }

    /** Deletes {@code key}; false when it was not there (arrays cannot delete: EINVAL is an error). */
    public boolean delete(MemorySegment key) {
        check(key, keySize, "key");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = arena.allocate(keySize, 8).copyFrom(key.asSlice(0, keySize));
            long rc = BpfSyscall.call(BpfCommand.MAP_DELETE_ELEM, elemAttr(arena, k, null, 0));
            if (rc == -Errno.ENOENT) {
                return false;
            }
            if (rc < 0) {
                throw new SyscallException("bpf(BPF_MAP_DELETE_ELEM '" + name + "')", (int) -rc,
                    (int) -rc == Errno.EINVAL && (type == MapType.ARRAY || type == MapType.PERCPU_ARRAY)
                        ? "array elements cannot be deleted; write zeros instead" : BpfSyscall.hint((int) -rc));
            }
            return true;
        }
    }

    /** Every key, in the kernel's iteration order (BPF_MAP_GET_NEXT_KEY from a NULL key). */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cur = null;
            MemorySegment next = arena.allocate(keySize, 8);
            for (int guard = 0; guard <= maxEntries; guard++) {
                long rc = BpfSyscall.call(BpfCommand.MAP_GET_NEXT_KEY, elemAttr(arena, cur, next, 0));
                if (rc == -Errno.ENOENT) {
                    break;
                }
                if (rc < 0) {
                    throw new SyscallException("bpf(BPF_MAP_GET_NEXT_KEY '" + name + "')", (int) -rc, BpfSyscall.hint((int) -rc));
                }
                keys.add(next.toArray(JAVA_BYTE));
                if (cur == null) {
                    cur = arena.allocate(keySize, 8);
                }
                cur.copyFrom(next);
            }
        }
        return keys;
    }

    /** Pins the map at {@code path} in bpffs (mounting bpffs at /sys/fs/bpf when it is missing). */
    public void pin(Path path) {
        BpfObjects.pin(fd(), path);
    }

    @Override
    public String toString() {
        return name.isEmpty() ? type + "#" + fd : name;
    }

    /** Closes the fd; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
