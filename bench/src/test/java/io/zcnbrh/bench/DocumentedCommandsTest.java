package io.zcnbrh.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code zcnbrh bench ...} command line the README, BENCHMARKS.md and docs/ quote is one the benchmarks
 * accept (its subcommand and every option exist): a renamed option fails here instead of in a reader's shell.
 */
@Tag("unit")
class DocumentedCommandsTest {
    private static final Pattern COMMAND = Pattern.compile("zcnbrh bench ([a-z]+(?: +(?:--?[a-z][a-z0-9-]*|[A-Za-z0-9_.,:/=@-]+))*)");

    @Test
    void everyQuotedBenchCommandParses() throws IOException {
        Path home = Path.of(System.getProperty("zcnbrh.home", ".."));
        List<Path> files = new ArrayList<>(List.of(home.resolve("README.md"), home.resolve("BENCHMARKS.md")));
        try (Stream<Path> docs = Files.list(home.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(files::add);
        }
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Path file : files) {
            for (String line : Files.readAllLines(file)) {
                for (String code : codeSpans(line)) {
                    Matcher m = COMMAND.matcher(code);
                    while (m.find()) {
                        String[] args = m.group(1).trim().split(" +");
                        if (args[0].equals("SUBCOMMAND")) {
                            continue;
                        }
                        checked++;
                        try {
                            new CommandLine(new BenchMain()).parseArgs(args);
                        } catch (CommandLine.ParameterException e) {
                            wrong.add(file.getFileName() + ": " + m.group() + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 5, "the documents quote bench commands (" + checked + " found)");
        assertEquals(List.of(), wrong);
    }

    /** The text between backticks (where commands are quoted), or the whole line of a shell block. */
    private static List<String> codeSpans(String line) {
        if (!line.contains("`")) {
            return line.stripLeading().startsWith("./zcnbrh bench") ? List.of(line) : List.of();
        }
        String[] parts = line.split("`", -1);
        List<String> spans = new ArrayList<>();
        for (int i = 1; i < parts.length; i += 2) {
            spans.add(parts[i]);
        }
        return Arrays.asList(spans.toArray(String[]::new));
    }
}
