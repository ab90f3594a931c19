package io.zcnbrh.stat;

import io.zcnbrh.Counter;
import io.zcnbrh.PortCounters;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;

import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A running port's counters in a small shared file ({@code /dev/shm/zcnbrh-stat-PID-N}), as aeron-stat reads
 * Aeron's: the process that polls the port publishes its counters now and then; {@code zcnbrh stat} and {@code
 * zcnbrh dashboard} in any other process read the file. Layout (little-endian; version 2): magic "ZCNBRHST",
 * version, pid, update time (ms since the epoch), the port spec (length + 240 bytes), its mode (length + 240), its
 * owner (the command or service that runs it: length + 240), the entry count, then per entry a 31-byte name, a kind
 * byte (0: a counter, which only grows; 1: a gauge, a level now) and an 8-byte value. The counters are
 * {@link Counter}'s; the gauges count the port's frames by place ({@code frames_fill}: on the fill ring, waiting for
 * the kernel to receive into; {@code frames_rx}: received, not yet polled; {@code frames_app}: held by the
 * application; ...). Version 1 files (no mode, owner or gauges) are still read.
 */
public final class CountersFile implements AutoCloseable {
    /** Where the files live. */
    public static final Path DIR = Path.of("/dev/shm");
    /** What every counters file's name starts with. */
    public static final String PREFIX = "zcnbrh-stat-";
    private static final long MAGIC = 0x5453524842_4E435AL; // "ZCNBRHST" little-endian-ish marker
    private static final int VERSION = 2;
    private static final int SPEC_BYTES = 240;
    private static final int TEXT_BYTES = 240;
    private static final int HEADER_V1 = 8 + 4 + 8 + 8 + 4 + SPEC_BYTES + 4;
    private static final int MODE_AT = 32 + SPEC_BYTES;
    private static final int OWNER_AT = MODE_AT + 4 + TEXT_BYTES;
    private static final int COUNT_AT = OWNER_AT + 4 + TEXT_BYTES;
    private static final int HEADER = COUNT_AT + 4;
    private static final int ENTRY = 40;
    private static final byte COUNTER = 0, GAUGE = 1;
    private static final Counter[] COUNTERS = Counter.values();
    private static final FramePlace[] PLACES = FramePlace.values();
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    private final Path path;
    private final MappedByteBuffer map;
    private long lastPublish;

    private CountersFile(Path path, MappedByteBuffer map) {
        this.path = path;
        this.map = map;
    }

    /** {@link #create(String, String, String)} with the mode and owner unknown. */
    public static CountersFile create(String spec) throws IOException {
        return create(spec, "", "");
    }

    /**
     * Creates the file for a port named {@code spec} of this process, running in {@code mode} (the port's
     * {@code mode()}: copy or zero-copy, XDP mode...) for {@code owner} (what runs it: {@code "rx"}, a service's
     * name). Files left by processes that are gone (killed before they could remove theirs) are removed first.
     */
    public static CountersFile create(String spec, String mode, String owner) throws IOException {
        sweepDead();
        Path path = DIR.resolve(PREFIX + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
        int size = HEADER + ENTRY * (COUNTERS.length + PLACES.length);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            m.order(ByteOrder.LITTLE_ENDIAN);
            m.putInt(8, VERSION);
            m.putLong(12, ProcessHandle.current().pid());
            putText(m, 28, spec, SPEC_BYTES);
            putText(m, MODE_AT, mode, TEXT_BYTES);
            putText(m, OWNER_AT, owner, TEXT_BYTES);
            m.putInt(COUNT_AT, COUNTERS.length + PLACES.length);
            for (int i = 0; i < COUNTERS.length; i++) {
                putName(m, i, COUNTERS[i].metricName(), COUNTER);
            }
            for (int i = 0; i < PLACES.length; i++) {
                putName(m, COUNTERS.length + i, "frames_" + PLACES[i].name().toLowerCase(Locale.ROOT), GAUGE);
            }
            m.putLong(0, MAGIC); // last: a reader sees a whole header or no magic
            return new CountersFile(path, m);
        }
    }

    private static void putText(ByteBuffer m, int at, String text, int max) {
        byte[] s = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(s.length, max);
        m.putInt(at, n);
        m.put(at + 4, s, 0, n);
    }

    private static void putName(ByteBuffer m, int entry, String name, byte kind) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        m.put(HEADER + ENTRY * entry, b, 0, Math.min(b.length, 30));
        m.put(HEADER + ENTRY * entry + 31, kind);
    }

    /**
     * Removes the counters files of processes that are gone, by the pid in the file's name (also a file its process
     * never finished writing); files of other users stay (the sticky /dev/shm), and so do those of live processes.
     */
    private static void sweepDead() {
        try {
            for (Path p : files()) {
                String[] parts = p.getFileName().toString().substring(PREFIX.length()).split("-");
                try {
                    if (!writtenByLive(Long.parseLong(parts[0]), Files.getLastModifiedTime(p).toMillis())) {
                        Files.deleteIfExists(p);
                    }
                } catch (NumberFormatException | IOException | SecurityException notOurs) {
                    // not named by a pid, another user's, or gone meanwhile: left alone
                }
            }
        } catch (IOException | SecurityException ignored) {
            // no /dev/shm to sweep: create() says so next
        }
    }

    /** Copies {@code counters} into the file, at most every 100 ms (call from the polling thread). */
    public void publish(PortCounters counters) {
        publish(counters, null);
    }

    /**
     * Copies {@code counters} and, when given, the frames by place from {@code audit} into the file, at most every
     * 100 ms (call from the polling thread). {@link #due()} says whether a call would publish, so a caller can skip
     * taking the audit.
     */
    public void publish(PortCounters counters, AuditReport audit) {
        if (!due()) {
            return;
        }
        long now = System.currentTimeMillis();
        lastPublish = now;
        for (int i = 0; i < COUNTERS.length; i++) {
            map.putLong(HEADER + ENTRY * i + 32, counters.get(COUNTERS[i]));
        }
        if (audit != null) {
            for (int i = 0; i < PLACES.length; i++) {
                map.putLong(HEADER + ENTRY * (COUNTERS.length + i) + 32, audit.count(PLACES[i]));
            }
        }
        map.putLong(20, now);
    }

    /** Whether 100 ms have passed since the last publish. */
    public boolean due() {
        return System.currentTimeMillis() - lastPublish >= 100;
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

    /**
     * What a reader sees in one file: the counters (which only grow) and the gauges (levels now), each by name in
     * the file's order; mode and owner are empty in a version 1 file.
     */
    public record Snapshot(Path file, long pid, boolean alive, String spec, String mode, String owner,
                           long updatedMillis, Map<String, Long> counters, Map<String, Long> gauges) {
    }

    /** Every counters file in {@link #DIR}, read now. */
    public static List<Snapshot> readAll() throws IOException {
        List<Snapshot> out = new ArrayList<>();
        for (Path p : files()) {
            Snapshot snap = read(p);
            if (snap != null) {
                out.add(snap);
            }
        }
        return out;
    }

    /** The counters files in {@link #DIR}, by name. */
    private static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(f -> f.getFileName().toString().startsWith(PREFIX)).sorted().toList();
        }
    }

    /**
     * Whether process {@code pid} runs and is the one that wrote at {@code writtenMillis} (0: unknown): a pid reused
     * by a process that started after the file was written is someone else.
     */
    private static boolean writtenByLive(long pid, long writtenMillis) {
        return pid > 0 && ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> writtenMillis <= 0
            || h.info().startInstant().map(start -> start.toEpochMilli() <= writtenMillis).orElse(true)).orElse(false);
    }

    /**
     * One file, or null when it is not (yet) a whole counters file, went away, or cannot be read (another user's,
     * made unreadable): a reader of every file never fails for one.
     */
    public static Snapshot read(Path p) {
        byte[] b;
        try {
            if (Files.size(p) > 64 * 1024) {
                return null; // not one of ours: a counters file is a few kilobytes
            }
            b = Files.readAllBytes(p);
        } catch (IOException | SecurityException gone) {
            return null;
        }
        ByteBuffer m = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length < HEADER_V1 || m.getLong(0) != MAGIC) {
            return null;
        }
        int version = m.getInt(8);
        if (version != 1 && !(version == VERSION && b.length >= HEADER)) {
            return null;
        }
        long pid = m.getLong(12);
        String spec = text(b, m, 28, SPEC_BYTES);
        String mode = version == 1 ? "" : text(b, m, MODE_AT, TEXT_BYTES);
        String owner = version == 1 ? "" : text(b, m, OWNER_AT, TEXT_BYTES);
        int header = version == 1 ? HEADER_V1 : HEADER;
        int count = m.getInt(header - 4);
        // a file that lies about itself is not a counters file: anyone may write to /dev/shm
        if (spec == null || mode == null || owner == null || count < 0 || count > 1024
            || header + (long) ENTRY * count > b.length) {
            return null;
        }
        Map<String, Long> counters = new LinkedHashMap<>();
        Map<String, Long> gauges = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int at = header + ENTRY * i;
            int len = 0;
            while (len < 31 && b[at + len] != 0) {
                boolean name = (b[at + len] >= 'a' && b[at + len] <= 'z') || (b[at + len] >= '0' && b[at + len] <= '9')
                    || b[at + len] == '_';
                if (!name) {
                    return null;
                }
                len++;
            }
            if (len == 0) {
                return null;
            }
            String name = new String(b, at, len, StandardCharsets.US_ASCII);
            (version != 1 && b[at + 31] == GAUGE ? gauges : counters).put(name, m.getLong(at + 32));
        }
        long updated = m.getLong(20);
        boolean alive = writtenByLive(pid, updated);
        return new Snapshot(p, pid, alive, spec, mode, owner, updated, counters, gauges);
    }

    /** A length-prefixed string, or null when its length is out of range. */
    private static String text(byte[] b, ByteBuffer m, int at, int max) {
        int n = m.getInt(at);
        return n < 0 || n > max ? null : new String(b, at + 4, n, StandardCharsets.UTF_8);
    }
}
