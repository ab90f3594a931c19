package io.zcnbrh.stat;

import io.zcnbrh.Counter;
import io.zcnbrh.PortCounters;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A running port's counters in a small shared file ({@code /dev/shm/zcnbrh-stat-PID-N}), as aeron-stat reads
 * Aeron's: the process that polls the port publishes its counters now and then; {@code zcnbrh stat} in any other
 * process maps the file and prints them. Layout: magic "ZCNBRHST", version, pid, update time (ms since the epoch),
 * the port spec (length + 240 bytes), the counter count, then per counter a 32-byte name and an 8-byte value.
 */
public final class CountersFile implements AutoCloseable {
    /** Where the files live. */
    public static final Path DIR = Path.of("/dev/shm");
    private static final long MAGIC = 0x5453524842_4E435AL; // "ZCNBRHST" little-endian-ish marker
    private static final int VERSION = 1;
    private static final int SPEC_BYTES = 240;
    private static final int HEADER = 8 + 4 + 8 + 8 + 4 + SPEC_BYTES + 4;
    private static final int ENTRY = 40;
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    private final Path path;
    private final MappedByteBuffer map;
    private long lastPublish;

    private CountersFile(Path path, MappedByteBuffer map) {
        this.path = path;
        this.map = map;
    }

    /** Creates the file for a port named {@code spec} of this process. */
    public static CountersFile create(String spec) throws IOException {
        Path path = DIR.resolve("zcnbrh-stat-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
        Counter[] all = Counter.values();
        int size = HEADER + ENTRY * all.length;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            m.order(ByteOrder.LITTLE_ENDIAN);
            m.putInt(8, VERSION);
            m.putLong(12, ProcessHandle.current().pid());
            byte[] s = spec.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(s.length, SPEC_BYTES);
            m.putInt(28, n);
            m.put(32, s, 0, n);
            m.putInt(32 + SPEC_BYTES, all.length);
            for (int i = 0; i < all.length; i++) {
                byte[] name = all[i].metricName().getBytes(StandardCharsets.US_ASCII);
                m.put(HEADER + ENTRY * i, name, 0, Math.min(name.length, 31));
            }
            m.putLong(0, MAGIC); // last: a reader sees a whole header or no magic
            return new CountersFile(path, m);
        }
    }

    /** Copies {@code counters} into the file, at most every 100 ms (call from the polling thread). */
    public void publish(PortCounters counters) {
        long now = System.currentTimeMillis();
        if (now - lastPublish < 100) {
            return;
        }
        lastPublish = now;
        Counter[] all = Counter.values();
        for (int i = 0; i < all.length; i++) {
            map.putLong(HEADER + ENTRY * i + 32, counters.get(all[i]));
        }
        map.putLong(20, now);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Removes the file. */
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(path);
    }

    /** What a reader sees in one file. */
    public record Snapshot(Path file, long pid, boolean alive, String spec, long updatedMillis, Map<String, Long> counters) {
    }

    /** Every counters file in {@link #DIR}, read now. */
    public static List<Snapshot> readAll() throws IOException {
        List<Snapshot> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(DIR)) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith("zcnbrh-stat-")).sorted().toList()) {
                Snapshot snap = read(p);
                if (snap != null) {
                    out.add(snap);
                }
            }
        }
        return out;
    }

    /** One file, or null when it is not (yet) a whole counters file. */
    public static Snapshot read(Path p) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException gone) {
            return null;
        }
        var m = java.nio.ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length < HEADER || m.getLong(0) != MAGIC || m.getInt(8) != VERSION) {
            return null;
        }
        long pid = m.getLong(12);
        int n = Math.min(Math.max(m.getInt(28), 0), SPEC_BYTES);
        String spec = new String(b, 32, n, StandardCharsets.UTF_8);
        int count = m.getInt(32 + SPEC_BYTES);
        Map<String, Long> counters = new LinkedHashMap<>();
        for (int i = 0; i < count && HEADER + ENTRY * (i + 1) <= b.length; i++) {
            int at = HEADER + ENTRY * i;
            int len = 0;
            while (len < 32 && b[at + len] != 0) {
                len++;
            }
            counters.put(new String(b, at, len, StandardCharsets.US_ASCII), m.getLong(at + 32));
        }
        return new Snapshot(p, pid, ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), spec,
            m.getLong(20), counters);
    }
}
