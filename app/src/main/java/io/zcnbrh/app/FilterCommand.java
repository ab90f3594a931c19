package io.zcnbrh.app;

import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.filter.FilterMatcher;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.pcap.PcapReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh filter compile|match}: tcpdump expressions as XDP programs. */
@Command(name = "filter", description = "tcpdump filter expressions compiled to XDP.",
    subcommands = {FilterCommand.CompileCommand.class, FilterCommand.MatchCommand.class})
public final class FilterCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: zcnbrh filter compile EXPR | zcnbrh filter match EXPR -r FILE.pcap [--engine kernel|interp]");
    }

    /** Prints the compiled program, like {@code tcpdump -d}. */
    @Command(name = "compile", description = "Print the XDP program an expression compiles to (like tcpdump -d).")
    static final class CompileCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "the expression, in tcpdump syntax (quote it)")
        String expression;

        @Option(names = "--match", defaultValue = "socket", description = "verdict for matching frames: socket, pass, drop")
        String onMatch;

        @Option(names = "--other", defaultValue = "pass", description = "verdict for the other frames: socket, pass, drop")
        String otherwise;

        @Override
        public Integer call() {
            PacketFilter f = PacketFilter.compile(expression).verdicts(verdict(onMatch), verdict(otherwise));
            // the maps are named here; a port fills in its own XSKMAP and verdict counters when it loads the program
            System.out.print(Disassembler.format(f.program("xsks", "verdicts")));
            return 0;
        }
    }

    /** Prints the numbers of the frames of a capture file the filter sends to the socket. */
    @Command(name = "match", description = "Print the 1-based numbers of the frames of a pcap file that match.")
    static final class MatchCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "the expression, in tcpdump syntax (quote it)")
        String expression;

        @Option(names = "-r", required = true, description = "the capture file (pcap or pcapng, Ethernet)")
        Path file;

        @Option(names = "--engine", description = "kernel (BPF_PROG_TEST_RUN; the default when allowed) or interp")
        String engine;

        @Override
        public Integer call() throws Exception {
            PacketFilter f = PacketFilter.compile(expression);
            List<PcapReader.Frame> frames = PcapReader.read(file);
            FilterMatcher.Engine e = engine == null ? defaultEngine() : switch (engine.toLowerCase(Locale.ROOT)) {
                case "kernel" -> FilterMatcher.Engine.KERNEL;
                case "interp" -> FilterMatcher.Engine.INTERP;
                default -> throw new IllegalArgumentException("--engine must be kernel or interp, was '" + engine + "'");
            };
            int shortFrames = 0;
            try (FilterMatcher m = FilterMatcher.of(f, e)) {
                StringBuilder out = new StringBuilder();
                for (PcapReader.Frame frame : frames) {
                    shortFrames += frame.data().length < FilterMatcher.KERNEL_MIN_FRAME ? 1 : 0;
                    if (m.matches(frame.data())) {
                        out.append(frame.number()).append('\n');
                    }
                }
                System.out.print(out);
            }
            if (e == FilterMatcher.Engine.KERNEL && shortFrames > 0) {
                System.err.println("zcnbrh: " + shortFrames + " frame(s) shorter than 14 bytes were evaluated by the "
                    + "interpreter (the kernel's XDP test run needs an Ethernet header)");
            }
            return 0;
        }

        /** The kernel when this process may load BPF programs, else the interpreter (announced). */
        private static FilterMatcher.Engine defaultEngine() {
            try (FilterMatcher probe = FilterMatcher.of(PacketFilter.compile(""), FilterMatcher.Engine.KERNEL)) {
                return FilterMatcher.Engine.KERNEL;
            } catch (RuntimeException e) {
                System.err.println("zcnbrh: using the interpreter: the kernel engine is not available here ("
                    + e.getMessage() + ")");
                return FilterMatcher.Engine.INTERP;
            }
        }
    }

    static Verdict verdict(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "socket" -> Verdict.SOCKET;
            case "pass" -> Verdict.PASS;
            case "drop" -> Verdict.DROP;
            default -> throw new IllegalArgumentException("a verdict is socket, pass or drop, not '" + name + "'");
        };
    }
}
