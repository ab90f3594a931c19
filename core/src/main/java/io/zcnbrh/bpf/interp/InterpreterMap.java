package io.zcnbrh.bpf.interp;

import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.error.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A map held in Java memory for the {@link Interpreter}, with the kernel's semantics for the types our programs
 * use: arrays (per-CPU arrays as one CPU's view), hash and LRU hash, and the redirect maps (XSKMAP, DEVMAP),
 * whose entries say whether a redirect target is present. Values are stable segments: a program that writes
 * through a looked-up pointer changes the map, as in the kernel.
 */
public final class InterpreterMap {
    private final MapType type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final String name;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment array;
    private final MemorySegment[] arraySlots;
    private final LinkedHashMap<Key, MemorySegment> hash;

    /** A new, empty (zeroed, for arrays) map. */
    public InterpreterMap(MapType type, int keySize, int valueSize, int maxEntries, String name) {
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.name = name;
        if (isArrayLike()) {
            array = arena.allocate((long) valueSize * maxEntries, 8);
            arraySlots = new MemorySegment[maxEntries];
            for (int i = 0; i < maxEntries; i++) {
                arraySlots[i] = array.asSlice((long) i * valueSize, valueSize);
            }
            hash = null;
        } else {
            array = null;
            arraySlots = null;
            boolean lru = type == MapType.LRU_HASH;
            hash = new LinkedHashMap<>(16, 0.75f, lru) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, MemorySegment> eldest) {
                    return lru && size() > maxEntries;
                }
            };
        }
    }

    /** A model with the same type, sizes and contents as the kernel map {@code map}. */
    public static InterpreterMap mirrorOf(BpfMap map) {
        InterpreterMap m = new InterpreterMap(map.type(), map.keySize(), map.valueSize(), map.maxEntries(), map.name());
        m.copyFrom(map);
        return m;
    }

    /** Replaces this model's contents with the kernel map's (first CPU's value for per-CPU maps). */
    public void copyFrom(BpfMap map) {
        if (map.type() == MapType.XSKMAP) {
            return; // user space cannot read XSKMAP entries (EOPNOTSUPP); sockets are set with setTarget
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(map.valueBufferSize(), 8);
            for (byte[] k : map.keys()) {
                MemorySegment key = a.allocate(keySize, 8).copyFrom(MemorySegment.ofArray(k));
                if (map.lookup(key, v)) {
                    update(key, v.asSlice(0, valueSize), 0);
                }
            }
        }
    }

    private boolean isArrayLike() {
        return type == MapType.ARRAY || type == MapType.PERCPU_ARRAY || type == MapType.XSKMAP
            || type == MapType.DEVMAP;
    }

    /** The map type. */
    public MapType type() {
        return type;
    }

    /** Key bytes. */
    public int keySize() {
        return keySize;
    }

    /** Value bytes. */
    public int valueSize() {
        return valueSize;
    }

    /** Name. */
    public String name() {
        return name;
    }

    /** The value of {@code key} (first keySize bytes), or null. */
    public MemorySegment lookup(MemorySegment key) {
        if (arraySlots != null) {
            int index = key.get(JAVA_INT.withByteAlignment(1), 0);
            if (index < 0 || index >= maxEntries) {
                return null;
            }
            if ((type == MapType.XSKMAP || type == MapType.DEVMAP) && arraySlots[index].get(JAVA_INT, 0) == 0) {
                return null;
            }
            return arraySlots[index];
        }
        return hash.get(new Key(key.asSlice(0, keySize).toArray(JAVA_BYTE)));
    }

    /** BPF_MAP_UPDATE_ELEM semantics; returns 0 or a negative errno, as the helper does. */
    public int update(MemorySegment key, MemorySegment value, long flags) {
        if (flags > 2) {
            return -Errno.EINVAL;
        }
        if (arraySlots != null) {
            int index = key.get(JAVA_INT.withByteAlignment(1), 0);
            if (index < 0 || index >= maxEntries) {
                return -Errno.E2BIG;
            }
            if (flags == 1) {
                return -Errno.EEXIST; // every array element exists
            }
            arraySlots[index].copyFrom(value.asSlice(0, valueSize));
            return 0;
        }
        Key k = new Key(key.asSlice(0, keySize).toArray(JAVA_BYTE));
        MemorySegment existing = hash.get(k);
        if (existing != null && flags == 1) {
            return -Errno.EEXIST;
        }
        if (existing == null && flags == 2) {
            return -Errno.ENOENT;
        }
        if (existing != null) {
            existing.copyFrom(value.asSlice(0, valueSize));
            return 0;
        }
        if (hash.size() >= maxEntries && type != MapType.LRU_HASH) {
            return -Errno.E2BIG;
        }
        hash.put(k, arena.allocate(valueSize, 8).copyFrom(value.asSlice(0, valueSize)));
        return 0;
    }

    /** BPF_MAP_DELETE_ELEM semantics; returns 0 or a negative errno. */
    public int delete(MemorySegment key) {
        if (arraySlots != null) {
            return -Errno.EINVAL;
        }
        return hash.remove(new Key(key.asSlice(0, keySize).toArray(JAVA_BYTE))) != null ? 0 : -Errno.ENOENT;
    }

    /** For XSKMAP/DEVMAP: marks slot {@code index} as having a target (a socket or device) or not. */
    public void setTarget(int index, int target) {
        arraySlots[index].set(JAVA_INT, 0, target);
    }

    @Override
    public String toString() {
        return name;
    }

    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }
}
