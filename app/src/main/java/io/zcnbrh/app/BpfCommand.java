package io.zcnbrh.app;

import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.bpf.selftest.SelfTest;
import io.zcnbrh.bpf.selftest.SelfTestCase;
import io.zcnbrh.bpf.selftest.SelfTestCases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code zcnbrh bpf selftest}: the built-in programs in the kernel and in the interpreter, compared. */
@Command(name = "bpf", description = "eBPF tools.", subcommands = {BpfCommand.SelfTestCommand.class,
    BpfCommand.DumpCommand.class})
public final class BpfCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("usage: zcnbrh bpf selftest [--json] | zcnbrh bpf dump NAME");
    }

    /** Runs every self-test case in the kernel (BPF_PROG_TEST_RUN) and in the interpreter. */
    @Command(name = "selftest", description = "Run the built-in programs in the kernel and in the interpreter and compare.")
    static final class SelfTestCommand implements Callable<Integer> {
        @Option(names = "--json", description = "one JSON object per case, the summary object last")
        boolean json;

        @Option(names = "--seed", defaultValue = "42", description = "seed of the generated packets")
        long seed;

        @Override
        public Integer call() {
            List<SelfTest.Outcome> outcomes = SelfTest.runAll(seed);
            int agree = 0;
            for (SelfTest.Outcome o : outcomes) {
                agree += o.agree() ? 1 : 0;
                if (json) {
                    System.out.printf(Locale.ROOT, "{\"case\":\"%s\",\"packets\":%d,\"agree\":%b%s}%n", o.name(),
                        o.packets(), o.agree(), o.agree() ? "" : ",\"detail\":\"" + escape(o.detail()) + "\"");
                } else if (!o.agree()) {
                    System.out.println("DISAGREE " + o.name() + ": " + o.detail());
                }
            }
            int disagree = outcomes.size() - agree;
            String kernel = System.getProperty("os.version");
            if (json) {
                System.out.printf(Locale.ROOT, "{\"cases\":%d,\"agree\":%d,\"disagree\":%d,\"kernel\":\"%s\"}%n",
                    outcomes.size(), agree, disagree, kernel);
            } else {
                System.out.printf("bpf selftest: %d cases on kernel %s, kernel and interpreter agree on %d, disagree on %d%n",
                    outcomes.size(), kernel, agree, disagree);
            }
            return disagree == 0 ? 0 : 1;
        }

        private static String escape(String s) {
            return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }
    }

    /** Prints one self-test program's disassembly (its maps shown by name). */
    @Command(name = "dump", description = "Disassemble a built-in program (see selftest --json for names).")
    static final class DumpCommand implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", description = "case name, e.g. xsk_redirect_empty")
        String name;

        @Override
        public Integer call() {
            for (SelfTestCase c : SelfTestCases.all()) {
                if (c.name().equals(name)) {
                    List<Object> maps = c.maps().stream().map(m -> (Object) (m.type() + "#" + c.maps().indexOf(m))).toList();
                    System.out.print(Disassembler.format(c.code().apply(maps)));
                    return 0;
                }
            }
            System.err.println("no built-in program '" + name + "'");
            return 2;
        }
    }
}
