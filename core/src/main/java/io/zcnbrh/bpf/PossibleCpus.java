package io.zcnbrh.bpf;

import io.zcnbrh.numa.NumaTopology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The number of possible CPUs (/sys/devices/system/cpu/possible): per-CPU maps hold one value for each. */
public final class PossibleCpus {
    private static final int COUNT = read();

    private PossibleCpus() {
    }

    private static int read() {
        try {
            return NumaTopology.parseList(Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim()).length();
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /** Possible CPUs (highest possible CPU number + 1). */
    public static int count() {
        return COUNT;
    }
}
