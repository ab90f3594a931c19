package io.zcnbrh.flow;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring, ownership and credit protocol checked by SPIN (verify/spin/zcnbrh.pml, mapped to the code in
 * docs/MODEL.md): every state of the model for the safety properties, every cycle for liveness, and each
 * deliberately broken variant must be caught with the property it breaks.
 */
@Tag("model") // the SPIN model checker: minutes, no root; not in the fast lane
class ProtocolModelTest {
    private static final Path MODEL = Path.of("..", "verify", "spin", "zcnbrh.pml").toAbsolutePath().normalize();

    /** The output of pan for the model with {@code defines}, verified with {@code panArgs}. */
    private static String check(List<String> defines, boolean liveness, String... panArgs) throws Exception {
        Path dir = Files.createTempDirectory("zcnbrh-spin");
        try {
            List<String> spin = new ArrayList<>(List.of("spin"));
            defines.forEach(d -> spin.add("-D" + d));
            spin.addAll(List.of("-a", MODEL.toString()));
            run(dir, spin);
            List<String> gcc = new ArrayList<>(List.of("gcc", "-O2", "-o", "pan", "pan.c"));
            if (liveness) {
                gcc.add(1, "-DNP"); // non-progress cycles
            }
            run(dir, gcc);
            List<String> pan = new ArrayList<>(List.of("./pan", liveness ? "-m4000000" : "-m2000000"));
            pan.addAll(List.of(panArgs));
            return run(dir, pan);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static String run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(cmd.get(0) + " is not installed: the model check needs SPIN and a C compiler "
                + "(apt-get install spin gcc; ./run-tests.sh installs them)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), String.join(" ", cmd) + " did not finish");
        return out;
    }

    private static int errors(String out) {
        Matcher m = Pattern.compile("errors: (\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Integer.parseInt(m.group(1));
    }

    /** SPIN's summary lines, printed into the test command's output. */
    private static void report(String what, String out) {
        for (String line : out.split("\n")) {
            if (line.contains("errors:") || line.contains("states, stored") || line.contains("elapsed time")) {
                System.out.println("spin " + what + ": " + line.trim());
            }
        }
    }

    @Test
    void everyReachableStateKeepsConservationOneOwnerOrderAndCreditsAndNothingDeadlocks() throws Exception {
        String out = check(List.of(), false);
        report("safety (assertions, invalid end states)", out);
        assertEquals(0, errors(out), out);
        assertTrue(out.contains("Full statespace search") && out.contains("invalid end states\t+"), out);
        Matcher states = Pattern.compile("(\\d+) states, stored").matcher(out);
        assertTrue(states.find() && Long.parseLong(states.group(1)) > 1_000_000, "the whole space, not a corner: "
            + out);
    }

    @Test
    void whileCreditsCirculatePacketsKeepBeingDelivered() throws Exception {
        String out = check(List.of("LIVENESS"), true, "-l", "-f");
        report("liveness (non-progress cycles, weak fairness)", out);
        assertEquals(0, errors(out), out);
        assertTrue(out.contains("non-progress cycles \t+ (fairness enabled)"), out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // SPIN numbers mtypes from the last declared: POOL 1, LIB 2, COMP 3, TX 4, APP 5, RX 6, KERNEL 7, FILL 8
        "BROKEN_EARLY_RELEASE | owner[f]==6",        // the slot was overwritten before it was read: not RX
        "BROKEN_LOST_CREDIT   | ==held)",            // a credit lost: the budget no longer counts the frames held
        "BROKEN_KEPT_FRAME    | owner[g]==4",        // the kernel took a frame the application still held: not TX
        "BROKEN_SMALL_FILL    | %6)<3)",             // a fill ring of N: full while the kernel has not released
        "BROKEN_POOL_TO_FILL  | (f<3)"})             // a transmit frame put on the fill ring
    void spinCatchesEachDeliberatelyBrokenVariant(String variant, String violated) throws Exception {
        String out = check(List.of(variant), false);
        report(variant, out);
        assertTrue(errors(out) >= 1, variant + " must be caught: " + out);
        assertTrue(out.contains("assertion violated") && out.contains(violated), out);
    }
}
