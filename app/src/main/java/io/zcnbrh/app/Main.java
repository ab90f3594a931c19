package io.zcnbrh.app;

import io.zcnbrh.error.ZcnbrhException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code zcnbrh} command. */
@Command(name = "zcnbrh", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "zcnbrh 0.1.0",
    description = "Zero-copy packet I/O for the JVM.",
    footer = {"", "zcnbrh bench SUBCOMMAND: the benchmarks, side by side with their peers (their own module and jar;"
        + " ./zcnbrh bench --help lists them)."},
    subcommands = {DemoCommand.class, ShmPeerCommand.class, TopologyCommand.class, BpfCommand.class, RxCommand.class, FilterCommand.class, CaptureCommand.class, DoctorCommand.class,
        TxCommand.class, StatCommand.class, FwdCommand.class, DashboardCommand.class,
        DaemonCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (for tests). */
    public static int run(String... args) {
        return execute(new CommandLine(new Main()), args);
    }

    /**
     * Runs {@code cli} (this tool's command line, or the benchmarks' one) and returns its exit status; errors a user
     * can act on are one line (what failed, the errno name, what to do), not a stack trace.
     */
    public static int execute(CommandLine cli, String... args) {
        // errors a user can act on are one line (what failed, the errno name, what to do), not a stack trace
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ZcnbrhException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException) {
                cmd.getErr().println("zcnbrh: " + e.getMessage());
                return 1;
            }
            if (e instanceof java.nio.file.NoSuchFileException f) {
                cmd.getErr().println("zcnbrh: no such file: " + f.getFile());
                return 1;
            }
            if (e instanceof java.io.IOException) {
                cmd.getErr().println("zcnbrh: " + e);
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
