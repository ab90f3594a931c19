package io.zcnbrh.fuzz;

import org.junit.jupiter.api.Tag;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.asm.Disassembler;
import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.filter.FilterMatcher;
import io.zcnbrh.filter.FilterSyntaxException;
import io.zcnbrh.filter.PacketFilter;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The filter language and the packet parsing it compiles to, fuzzed. An expression either compiles or is refused
 * with a positioned {@link FilterSyntaxException}; what compiles runs in the interpreter on any frame without a
 * fault. Frames of every shape go through filters that parse every header kind, in the kernel (BPF_PROG_TEST_RUN)
 * and in the interpreter, which must agree.
 */
@Tag("unit")
class FilterFuzzTest {
    /** Filters that between them read every header the compiler knows. */
    private static final String[] PARSERS = {
        "ip and udp dst port 53", "ip6 and tcp port 80", "vlan and udp", "vlan 100 and ip", "icmp6", "icmp",
        "ip[2:2] > 100", "tcp[tcpflags] & tcp-syn != 0", "net 10.0.0.0/8", "ip6 net fe80::/10", "arp", "rarp",
        "sctp", "igmp", "ether broadcast", "ip multicast", "ip6 multicast", "len > 100", "portrange 1000-2000",
        "ip proto 47", "ip6 proto 17", "ether host 02:00:00:00:00:01", "udp[8:4] = 0x01020304", "ip[0] & 0xf > 5"};
    private static List<FilterMatcher[]> engines;

    private static synchronized List<FilterMatcher[]> engines() {
        if (engines == null) {
            engines = new ArrayList<>();
            for (String e : PARSERS) {
                PacketFilter f = PacketFilter.compile(e);
                engines.add(new FilterMatcher[] {FilterMatcher.of(f, FilterMatcher.Engine.KERNEL),
                    FilterMatcher.of(f, FilterMatcher.Engine.INTERP)});
            }
        }
        return engines;
    }

    @FuzzTest(maxDuration = "20s")
    void anyExpressionCompilesOrIsRefusedWithAPosition(FuzzedDataProvider data) {
        String expression = data.consumeString(120);
        byte[] frame = data.consumeRemainingAsBytes();
        PacketFilter f;
        try {
            f = PacketFilter.compile(expression);
        } catch (FilterSyntaxException refused) {
            if (!refused.getMessage().contains("^")) {
                throw new AssertionError("no caret in: " + refused.getMessage());
            }
            return;
        }
        var insns = f.matchProgram();
        Disassembler.format(insns);
        new Interpreter(ProgramType.XDP, insns).testRun(frame); // a compiled filter never faults on any frame
    }

    @FuzzTest(maxDuration = "20s")
    @Tag("kernel") // loads the compiled program into the kernel: not in the fast lane
    void theKernelAndTheInterpreterParseEveryFrameAlike(byte[] frame) {
        if (frame.length < FilterMatcher.KERNEL_MIN_FRAME) {
            return;
        }
        for (int i = 0; i < PARSERS.length; i++) {
            FilterMatcher[] e = engines().get(i);
            assertEquals(e[0].matches(frame), e[1].matches(frame), PARSERS[i]);
        }
    }
}
