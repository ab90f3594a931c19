package io.zcnbrh.filter;

import io.zcnbrh.pcap.PcapReader;
import io.zcnbrh.pcap.PcapWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our verdicts against libpcap's, frame by frame: every expression of expressions.txt over a corpus of frames,
 * decided by Debian's tcpdump ({@code tcpdump -r corpus.pcap -w out.pcap EXPR}), by our program in the kernel
 * (BPF_PROG_TEST_RUN, the verifier included) and by our interpreter. Any disagreement fails with the frame and
 * the expression. tcpdump is installed by the test scripts (scripts/env.sh).
 */
@Tag("kernel")
class FilterDifferentialTest {
    @TempDir
    static Path dir;
    private static List<byte[]> frames;
    private static Path corpus;

    @BeforeAll
    static void writeCorpus() throws IOException {
        frames = FrameCorpus.build();
        corpus = dir.resolve("corpus.pcap");
        try (PcapWriter w = PcapWriter.create(corpus, 65535)) {
            for (int i = 0; i < frames.size(); i++) {
                w.write((i + 1) * 1_000_000_000L, frames.get(i)); // frame N is stamped N seconds: tcpdump's output names it
            }
        }
    }

    static List<String> expressions() throws IOException {
        try (InputStream in = FilterDifferentialTest.class.getResourceAsStream("/filter/expressions.txt")) {
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.strip());
                }
            }
            return out;
        }
    }

    /** The frame numbers tcpdump accepts. */
    static Set<Integer> tcpdump(Path pcap, String expr, Path out, boolean optimize) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tcpdump", "-r", pcap.toString(), "-w", out.toString()));
        if (!optimize) {
            cmd.add("-O");
        }
        cmd.add(expr);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("tcpdump refused '" + expr + "': " + text);
        }
        Set<Integer> accepted = new TreeSet<>();
        for (PcapReader.Frame f : PcapReader.read(out)) {
            accepted.add((int) (f.epochNanos() / 1_000_000_000L));
        }
        return accepted;
    }

    @Test
    void everyExpressionGivesLibpcapsVerdictOnEveryFrame() throws Exception {
        io.zcnbrh.testing.RequiredTool.find("tcpdump", "tcpdump");
        List<String> failures = new ArrayList<>();
        int compared = 0;
        int optimizerOrder = 0;
        for (String expr : expressions()) {
            Set<Integer> libpcap = tcpdump(corpus, expr, dir.resolve("out.pcap"), true);
            Set<Integer> unoptimized = null;
            PacketFilter filter;
            try {
                filter = PacketFilter.compile(expr);
            } catch (IllegalArgumentException e) {
                failures.add("'" + expr + "': we refused it: " + e.getMessage());
                continue;
            }
            try (FilterMatcher kernel = FilterMatcher.of(filter, FilterMatcher.Engine.KERNEL);
                 FilterMatcher interp = FilterMatcher.of(filter, FilterMatcher.Engine.INTERP)) {
                for (int i = 0; i < frames.size(); i++) {
                    byte[] f = frames.get(i);
                    boolean want = libpcap.contains(i + 1);
                    boolean k = kernel.matches(f);
                    boolean in = interp.matches(f);
                    compared++;
                    if ((k != want || in != want) && k == in) {
                        // libpcap's optimizer reorders loads ("host A or B" tests both addresses against the
                        // source before it loads the destination), which changes the verdict only for a frame
                        // cut short inside the headers the expression reads. Its meaning is the unoptimized
                        // program's (tcpdump -O): agree with that, and only for such frames.
                        if (unoptimized == null) {
                            unoptimized = tcpdump(corpus, expr, dir.resolve("out-O.pcap"), false);
                        }
                        if (unoptimized.contains(i + 1) == k && f.length < 60) { // a runt: shorter than Ethernet allows
                            optimizerOrder++;
                            continue;
                        }
                    }
                    if (k != want || in != want) {
                        failures.add("'" + expr + "' frame " + (i + 1) + " (" + f.length + " B): tcpdump " + want
                            + ", kernel " + k + ", interpreter " + in + "\n    " + HexFormat.of().formatHex(f));
                    }
                }
            } catch (RuntimeException e) {
                failures.add("'" + expr + "': " + e.getMessage());
            }
        }
        java.util.Map<String, Long> byExpr = new java.util.TreeMap<>();
        for (String f : failures) {
            byExpr.merge(f.substring(0, f.indexOf("' ") + 1), 1L, Long::sum);
        }
        System.out.println("disagreements by expression: " + byExpr);
        if (!failures.isEmpty()) {
            fail(failures.size() + " disagreements (of " + compared + " verdicts):\n" + String.join("\n",
                failures.subList(0, Math.min(40, failures.size()))));
        }
        assertTrue(compared > 50_000, "compared " + compared);
        System.out.println("filter differential: " + expressions().size() + " expressions x " + frames.size()
            + " frames = " + compared + " verdicts, kernel and interpreter agree with tcpdump on all; "
            + optimizerOrder + " of them on short frames with unoptimized libpcap (tcpdump -O)");
        assertTrue(optimizerOrder < compared / 1000, "optimizer-order cases must stay rare: " + optimizerOrder);
    }
}
