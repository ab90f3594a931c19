package io.zcnbrh.bench;

import picocli.CommandLine.Option;

/** How long each measurement runs and how many alternating rounds are taken (the median is reported). */
public final class RoundOptions {
    @Option(names = "--seconds", defaultValue = "2", description = "seconds per measurement")
    double seconds;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds, alternating the implementations (the "
        + "median is reported)")
    int rounds;
}
