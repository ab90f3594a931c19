package io.zcnbrh.bench;

import picocli.CommandLine.Mixin;

/** What every veth benchmark (receive, transmit, forward, afxdp) takes: output, rounds, placement, ring size. */
public final class VethRunOptions {
    @Mixin
    JsonOption out;
    @Mixin
    RoundOptions rounds;
    @Mixin
    PlacementOptions at;
    @Mixin
    RingSizeOption ring;
}
