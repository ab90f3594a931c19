package io.zcnbrh.testing;

import io.zcnbrh.mem.Mapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What this process holds that a port could leak, as the kernel shows it: open descriptors (/proc/self/fd, by
 * what they point to), mappings of kernel objects (/proc/self/maps lines naming a socket, an anon inode such as
 * io_uring's rings, a memfd or a file in /dev/shm or /dev/hugepages), and the library's own live mappings
 * ({@link Mapping#live()}, which also counts anonymous frame memory that /proc cannot tell from the JVM's).
 * A leak is something there now that was not there before; things other code closed meanwhile (a socket its
 * cleaner closed, a child process's pipes) are not the port's business. The library opens no pipes.
 */
public record ProcessResources(List<String> descriptors, List<String> kernelMappings, int liveMappings) {
    public static ProcessResources now() {
        try {
            List<String> fds = new ArrayList<>();
            try (var dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path f : dir) {
                    try {
                        String target = Files.readSymbolicLink(f).toString();
                        if (!target.startsWith("pipe:") && !target.startsWith("/proc/")) {
                            fds.add(target);
                        }
                    } catch (IOException closed) {
                        // closed while we looked
                    }
                }
            }
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(l -> l.split("\\s+", 6))
                .filter(f -> f.length == 6)
                .map(f -> f[5])
                .filter(n -> n.startsWith("socket:") || n.startsWith("anon_inode:") || n.startsWith("/memfd:")
                    || n.startsWith("/dev/shm/") || n.startsWith("/dev/hugepages") || n.contains("io_uring")
                    || n.contains("[xdp") || n.startsWith("/anon_hugepage"))
                .toList();
            return new ProcessResources(fds, maps, Mapping.live());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Descriptors, kernel mappings and library mappings held now that were not held at {@code before}. */
    public List<String> leakedSince(ProcessResources before) {
        List<String> out = new ArrayList<>();
        List<String> fds = new ArrayList<>(descriptors);
        before.descriptors.forEach(fds::remove);
        fds.forEach(d -> out.add("descriptor " + d));
        List<String> maps = new ArrayList<>(kernelMappings);
        before.kernelMappings.forEach(maps::remove);
        maps.forEach(m -> out.add("mapping " + m));
        if (liveMappings > before.liveMappings) {
            out.add((liveMappings - before.liveMappings) + " library mapping(s)");
        }
        return out;
    }
}
