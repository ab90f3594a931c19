package io.zcnbrh.filter;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramLoadException;
import io.zcnbrh.bpf.ProgramType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Error messages of the filter compiler, and fuzzing: every input compiles to a verified program or is refused clearly. */
@Tag("kernel")
class PacketFilterTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "udp port x            | 9  | expected a port number or a service name",
        "tcp and               | 7  | expected an address, 'host', 'net', 'port' or 'portrange'",
        "(tcp or udp           | 11 | expected ')' to close the '(' at column 1",
        "ip[9 = 17             | 5  | expected ']'",
        "ip[9:3] = 1           | 5  | the size after ':' must be 1, 2 or 4",
        "host 10.0.0.1.5       | 5  | is not a number or an address",
        "net 10.0.0.1/8        | 4  | non-network bits set",
        "gateway 10.0.0.1      | 0  | 'gateway' is pcap-filter syntax this compiler does not support",
        "tcp port 99999        | 9  | port 99999 is out of range",
        "udp port ssh          | 9  | port 'ssh' is tcp",
        "ip[9] / 0 = 1         | 6  | division by zero",
        "ip[9] << 32 = 1       | 6  | shift by more than 31 bits",
        "host example.com      | 5  | host names are not resolved",
        "tcp host 10.0.0.1     | 9  | 'tcp' modifier applied to an IPv4 host or net",
        "vlan 5000             | 5  | VLAN id 5000 is out of range",
        "ether proto 100       | 12 | an 802.3 length, LLC",
        "ip and $              | 7  | unexpected character '$'",
        "port 80 80            | 8  | expected 'and', 'or' or the end of the expression",
    })
    void errorsPointAtThePlaceAndSayWhatWasExpected(String expr, int column, String says) {
        FilterSyntaxException e = assertThrows(FilterSyntaxException.class, () -> PacketFilter.compile(expr));
        assertTrue(e.problem().contains(says), e.getMessage());
        assertEquals(column, e.position(), e.getMessage());
        String[] lines = e.getMessage().split("\n");
        assertEquals(3, lines.length, e.getMessage());
        assertEquals(column, lines[2].indexOf('^') - 2, "the caret sits under the place:\n" + e.getMessage());
    }

    @Test
    void nestingDeeperThanAnyFilterNeedsIsRefusedNotAStackOverflow() {
        assertTrue(PacketFilter.compile("(".repeat(100) + "udp" + ")".repeat(100)) != null);
        assertTrue(PacketFilter.compile("ip[" + "-".repeat(99) + "1] = 0") != null);
        for (String deep : new String[] {"(".repeat(101) + "udp" + ")".repeat(101), "not ".repeat(101) + "udp",
            "ip[" + "-".repeat(150) + "1] = 0", "ip[" + "(".repeat(120) + "1" + ")".repeat(120) + "] = 0",
            "-".repeat(100_000) + "1 = 0"}) {
            FilterSyntaxException e = assertThrows(FilterSyntaxException.class, () -> PacketFilter.compile(deep));
            assertTrue(e.getMessage().contains("nested more than 100 levels deep"), e.getMessage());
        }
    }

    @Test
    void numbersTooLongForTheirPlaceAreRefusedNotOverflowed() { // found by fuzzing: NumberFormatException
        for (String bad : new String[] {"host 99999999999999999999999999999999999999.1.1.1", "net 1.2.3.4444",
            "ip[99999999999999999999999] = 1", "ip[0x1ffffffffffffffffff] = 1", "len > 09",
            "ether host 123:1:1:1:1:1"}) {
            FilterSyntaxException e = assertThrows(FilterSyntaxException.class, () -> PacketFilter.compile(bad), bad);
            assertTrue(e.getMessage().contains("^"), e.getMessage());
        }
    }

    @Test
    void anEmptyExpressionMatchesEverything() {
        try (FilterMatcher m = FilterMatcher.of(PacketFilter.compile(""), FilterMatcher.Engine.INTERP)) {
            assertTrue(m.matches(new byte[60]));
            assertTrue(m.matches(new byte[0]));
        }
    }

    /**
     * Random and mutated expressions: each either compiles to a program the kernel's verifier accepts (and runs
     * on a frame in both engines with the same verdict) or is refused with a FilterSyntaxException. Nothing else:
     * no other exception, no program the verifier refuses.
     */
    @Test
    void fuzzedExpressionsCompileToVerifiedProgramsOrGetAClearError() throws Exception {
        List<String> seeds = FilterDifferentialTest.expressions();
        Random random = new Random(5);
        String[] pieces = {"and", "or", "not", "(", ")", "[", "]", ":", "=", "!=", "<", ">", "&", "|", "+", "-",
            "*", "/", "%", "<<", ">>", "0", "1", "4", "255", "65536", "4294967296", "0x1fff", "tcp", "udp", "ip",
            "ip6", "vlan", "host", "net", "port", "portrange", "src", "dst", "ether", "len", "10.0.0.1", "::1",
            "02:00:00:00:00:01", "/", "mask", "proto", "\\tcp", "broadcast", "multicast", "icmp", "tcpflags",
            "tcp-syn", "less", "greater", "arp", "1-2", "\\", "!", "&&", "||", "icmp6", "sctp", "net", "10/8"};
        byte[] frame = FrameCorpus.eth("02:00:00:00:00:01", "02:00:00:00:00:02", 0x0800,
            FrameCorpus.ipv4("10.0.0.1", "10.0.0.2", 6, FrameCorpus.tcp(80, 22, 2), 0, 0, 0));
        int compiled = 0;
        int refused = 0;
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String expr;
            if (i % 3 == 2) { // seeds combined: valid, deeper programs
                String[] joins = {" and ", " or ", " and not ", " or not "};
                expr = "(" + seeds.get(random.nextInt(seeds.size())) + ")" + joins[random.nextInt(4)] + "("
                    + seeds.get(random.nextInt(seeds.size())) + ")" + joins[random.nextInt(4)]
                    + seeds.get(random.nextInt(seeds.size()));
            } else if (i % 3 == 0) {
                StringBuilder b = new StringBuilder();
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    b.append(pieces[random.nextInt(pieces.length)]).append(random.nextInt(4) == 0 ? "" : " ");
                }
                expr = b.toString();
            } else {
                expr = mutate(seeds.get(random.nextInt(seeds.size())), random, pieces);
            }
            PacketFilter f;
            try {
                f = PacketFilter.compile(expr);
            } catch (FilterSyntaxException e) {
                refused++;
                assertTrue(e.getMessage().startsWith("filter: ") && e.getMessage().contains("^"), e.getMessage());
                continue;
            } catch (RuntimeException e) {
                bad.add("'" + expr + "': " + e);
                continue;
            }
            try (FilterMatcher k = FilterMatcher.of(f, FilterMatcher.Engine.KERNEL);
                 FilterMatcher in = FilterMatcher.of(f, FilterMatcher.Engine.INTERP)) {
                if (k.matches(frame) != in.matches(frame)) {
                    bad.add("'" + expr + "': kernel and interpreter disagree");
                }
                compiled++;
            } catch (ProgramLoadException e) {
                bad.add("'" + expr + "': the verifier refused the program: " + e.getMessage());
            } catch (RuntimeException e) {
                bad.add("'" + expr + "': " + e);
            }
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " inputs did neither:\n" + String.join("\n", bad.subList(0, Math.min(20, bad.size()))));
        }
        assertTrue(compiled > 300 && refused > 300, "both kinds were exercised: " + compiled + " compiled, "
            + refused + " refused");
        System.out.println("filter fuzz: " + compiled + " compiled and verified, " + refused + " refused clearly");
    }

    private static String mutate(String seed, Random random, String[] pieces) {
        StringBuilder b = new StringBuilder(seed);
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            int at = random.nextInt(b.length() + 1);
            switch (random.nextInt(3)) {
                case 0 -> b.insert(at, " " + pieces[random.nextInt(pieces.length)] + " ");
                case 1 -> {
                    if (b.length() > 0) {
                        b.deleteCharAt(Math.min(at, b.length() - 1));
                    }
                }
                default -> b.insert(at, (char) (32 + random.nextInt(95)));
            }
        }
        return b.toString();
    }

    @Test
    void theCompiledProgramLoadsAsXdpWithItsCounters() {
        // the full program (verdict counters in a per-CPU map) is accepted by the verifier
        try (var counters = FilterCounters.create();
             BpfProgram p = BpfProgram.load(ProgramType.XDP,
                 PacketFilter.compile("udp dst port 9000").verdicts(Verdict.PASS, Verdict.DROP)
                     .program(null, counters.map()), "t")) {
            assertTrue(p.fd() >= 0);
        }
    }
}
