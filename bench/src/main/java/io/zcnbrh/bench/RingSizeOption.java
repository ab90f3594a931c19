package io.zcnbrh.bench;

import picocli.CommandLine.Option;

/** {@code --ring-size}: the ring size of every port of a veth benchmark and of its C peer. */
public final class RingSizeOption {
    @Option(names = "--ring-size", defaultValue = "0",
        description = "ring size of every port and of the C peer (default: the library's default; the UMEM has twice "
            + "as many frames)")
    int ringSize;

    /** Applies the ring size to the benchmarks' ports (0: leave the default). */
    void apply() {
        if (ringSize > 0) {
            AfXdpBench.ringSize = ringSize;
        }
    }
}
