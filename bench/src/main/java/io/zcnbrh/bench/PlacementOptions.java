package io.zcnbrh.bench;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where the traffic generator and the measured side run (BENCHMARKS.md: the generator on CPU 0, the receiver and
 * the veth end's threaded NAPI on CPU 1), and how an idle receiver waits; a CPU this machine lacks means unpinned.
 */
public final class PlacementOptions {
    @Option(names = "--generator-cpu", defaultValue = "0", description = "CPU of the traffic generator (-1: any)")
    int generatorCpu;

    @Option(names = "--receiver-cpu", defaultValue = "1",
        description = "CPU of the measured side (receivers, senders, latency clients) and of the veth end's threaded "
            + "NAPI (-1: any)")
    int receiverCpu;

    @Option(names = "--receiver-idle", defaultValue = "default",
        description = "how an idle receiver waits: default (its port's own wait) or spin")
    String receiverIdle;

    /** The generator's CPU, or -1 where this machine has no such CPU. */
    int generator() {
        return cpuOrAny(generatorCpu);
    }

    /** The measured side's CPU, or -1 where this machine has no such CPU. */
    int receiver() {
        return cpuOrAny(receiverCpu);
    }

    /** The receiver's placement, with a clear error for an unknown idle mode. */
    AfXdpBench.Placement placement(CommandLine cmd) {
        if (!receiverIdle.equals("default") && !receiverIdle.equals("spin")) {
            throw new CommandLine.ParameterException(cmd, "--receiver-idle must be default or spin, was '"
                + receiverIdle + "'");
        }
        return new AfXdpBench.Placement(receiver(), receiverIdle.equals("spin"));
    }

    /** A CPU for a message: its number or "any". */
    static String describe(int cpu) {
        return cpu < 0 ? "any" : Integer.toString(cpu);
    }

    private static int cpuOrAny(int cpu) {
        return cpu < Runtime.getRuntime().availableProcessors() ? cpu : -1;
    }
}
