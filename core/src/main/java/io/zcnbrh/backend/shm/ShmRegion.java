package io.zcnbrh.backend.shm;

import io.zcnbrh.PortConfig;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.mem.UntrustedFileException;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The lifecycle of a {@code shm:} region file: created and initialised by side A (published as ready last),
 * attached by side B once ready, claimed per side with a lock and a pid (a side whose lock is free has exited),
 * a stale file of two exited sides removed, and at close the side marked closed and the file unlinked by its
 * creator. What travels through the region is {@link ShmPort}'s business.
 *
 * @param name    the port's name
 * @param path    the region file
 * @param mapping the mapped file
 * @param layout  where the header, rings and frames are
 * @param side    0 (A, the creator) or 1 (B)
 */
record ShmRegion(String name, Path path, Mapping mapping, ShmLayout layout, int side) implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.shm");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    /** Directory of the region files. */
    static final Path DIRECTORY = Path.of("/dev/shm");

    /**
     * Opens region {@code name}, creating it, attaching to it, or either, by {@link io.zcnbrh.ShmOptions#role()};
     * {@code port} builds the port over it (the creator's before the region is published as ready).
     */
    static <P> P open(String name, PortConfig config, Function<ShmRegion, P> port) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("shm port name '" + name
                + "' must be 1-200 characters of A-Z a-z 0-9 . _ -");
        }
        Path path = pathOf(name);
        return switch (config.shm().role()) {
            case CREATE -> create(name, path, config, port);
            case ATTACH -> attach(name, path, config, port);
            case AUTO -> {
                try {
                    yield create(name, path, config, port);
                } catch (SyscallException e) {
                    if (e.errno() != Errno.EEXIST) {
                        throw e;
                    }
                    removeIfStale(path);
                    yield Files.exists(path) ? attach(name, path, config, port) : create(name, path, config, port);
                }
            }
        };
    }

    /** The region file of port {@code name}. */
    static Path pathOf(String name) {
        return DIRECTORY.resolve("zcnbrh-" + name);
    }

    private static <P> P create(String name, Path path, PortConfig config, Function<ShmRegion, P> port) {
        ShmLayout layout = ShmLayout.plan(config);
        Mapping mapping = Mapping.createFile(path, layout.totalSize, config.shm().filePermissions(), config.numaNode());
        try {
            MemorySegment region = mapping.segment();
            ShmLiveness.take(mapping.fd(), 0); // a new file: nobody else can hold it
            layout.write(region);
            ShmLayout.claimSide(region, 0, (int) ProcessHandle.current().pid());
            P opened = port.apply(new ShmRegion(name, path, mapping, layout, 0));
            ShmLayout.publishReady(region);
            return opened;
        } catch (RuntimeException e) {
            mapping.close();
            Libc.unlink(path.toString());
            throw e;
        }
    }

    private static <P> P attach(String name, Path path, PortConfig config, Function<ShmRegion, P> port) {
        long deadline = System.nanoTime() + config.shm().attachTimeout().toNanos();
        Mapping mapping = null;
        while (mapping == null) {
            try {
                if (Files.exists(path) && Files.size(path) > 0) {
                    mapping = Mapping.openFile(path);
                }
            } catch (java.io.IOException | ZcnbrhException e) {
                if (e instanceof SyscallException se && se.errno() != Errno.ENOENT) {
                    throw se; // permission problems do not go away by waiting
                }
                if (e instanceof UntrustedFileException u) {
                    throw u; // nor does a file another user planted
                }
            }
            if (mapping == null) {
                if (System.nanoTime() > deadline) {
                    throw new ZcnbrhException("no shm port '" + name + "' appeared at " + path + " within "
                        + config.shm().attachTimeout() + "; start the creating side first or raise attachTimeout");
                }
                sleepBriefly();
            }
        }
        try {
            MemorySegment region = mapping.segment();
            while (!ShmLayout.isReady(region)) {
                if (System.nanoTime() > deadline) {
                    throw new ZcnbrhException("shm port '" + name + "' was not initialised by its creator (pid "
                        + ShmLayout.pid(region, 0) + ") within " + config.shm().attachTimeout());
                }
                sleepBriefly();
            }
            ShmLayout layout = ShmLayout.read(region, path.toString());
            int me = (int) ProcessHandle.current().pid();
            // the lock first, then the pid: a side whose pid is in the header and whose lock is free has exited
            if (!ShmLiveness.take(mapping.fd(), 1)) {
                throw new ZcnbrhException("shm port '" + name + "' already has its second side attached (pid "
                    + ShmLayout.pid(region, 1) + " in its PID namespace); a port joins exactly two processes");
            }
            int holder = ShmLayout.claimSide(region, 1, me);
            if (holder != 0) {
                throw new ZcnbrhException("shm port '" + name + "' already has its second side attached (pid "
                    + holder + "); a port joins exactly two processes");
            }
            return port.apply(new ShmRegion(name, path, mapping, layout, 1));
        } catch (RuntimeException e) {
            mapping.close();
            throw e;
        }
    }

    /**
     * Removes a region file both of whose sides are gone (neither holds its lock): only a complete Z-CNBRH region
     * (magic, ready) that this user may trust, so that a file being created or another program's file stays.
     */
    private static void removeIfStale(Path path) {
        try (Mapping m = Mapping.openFile(path)) {
            MemorySegment region = m.segment();
            if (region.get(JAVA_LONG, ShmLayout.OFF_MAGIC) == ShmLayout.MAGIC
                && ShmLayout.isReady(region) && !ShmLiveness.held(m.fd(), 0) && !ShmLiveness.held(m.fd(), 1)) {
                LOG.log(System.Logger.Level.WARNING, "removing stale shm region {0}: both of its sides (pids {1} and "
                    + "{2}) have exited", path, ShmLayout.pid(region, 0), ShmLayout.pid(region, 1));
                Libc.unlink(path.toString());
            }
        } catch (ZcnbrhException e) {
            // still being created, or not ours: leave it alone; attaching says what is wrong with it
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZcnbrhException("interrupted while attaching", e);
        }
    }

    /** Marks this side closed, unmaps, and (the creator) removes the file. */
    @Override
    public void close() {
        ShmLayout.markClosed(mapping.segment(), side);
        mapping.close();
        if (side == 0) {
            Libc.unlink(path.toString());
        }
    }
}
