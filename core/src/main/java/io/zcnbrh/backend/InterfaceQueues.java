package io.zcnbrh.backend;

import io.zcnbrh.error.ZcnbrhException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** How many receive queues an interface has (/sys/class/net/IFACE/queues/rx-N), for AF_XDP and {@code auto:}. */
public final class InterfaceQueues {
    private InterfaceQueues() {
    }

    /** The number of receive queues of {@code ifname}; 1 for an interface sysfs does not know. */
    public static int rxQueues(String ifname) {
        Path dir = Path.of("/sys/class/net", ifname, "queues");
        if (!Files.isDirectory(dir)) {
            return 1;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) Math.max(1, s.filter(p -> p.getFileName().toString().startsWith("rx-")).count());
        } catch (IOException e) {
            throw new ZcnbrhException("cannot count the queues of " + ifname + ": " + e.getMessage(), e);
        }
    }
}
