package io.zcnbrh.bench;

import picocli.CommandLine.Option;

/** {@code --json}: one JSON object per result line instead of a table (every benchmark). */
public final class JsonOption {
    @Option(names = "--json", description = "print one JSON object per result line instead of a table")
    boolean json;
}
