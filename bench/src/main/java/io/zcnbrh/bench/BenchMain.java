package io.zcnbrh.bench;

import io.zcnbrh.app.Main;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code zcnbrh bench}: every benchmark side by side with its peers in the same run, one subcommand each. The
 * {@code ./zcnbrh} launcher runs this (from the bench module's jar, so the CLI carries none of the peers' libraries);
 * BENCHMARKS.md has the commands and the results.
 */
@Command(name = "zcnbrh bench", mixinStandardHelpOptions = true, version = "zcnbrh bench 0.1.0",
    description = "Run a benchmark side by side with its peers, in the same run.",
    subcommands = {ReceiveCommand.class, TransmitCommand.class, ForwardCommand.class, LatencyCommand.class,
        AfXdpCommand.class, ShmCommand.class, RingCommand.class, UnixReceiveCommand.class, AeronReceiveCommand.class})
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (for tests); errors as the CLI reports them. */
    public static int run(String... args) {
        return Main.execute(new CommandLine(new BenchMain()), args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
