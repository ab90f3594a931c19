package io.zcnbrh.bench;

import org.openjdk.jmh.infra.Blackhole;

/** One SPSC hand-off implementation under test: a producer offers descriptors, a consumer polls them. */
public interface Handoff extends AutoCloseable {
    /** Offers up to {@code n} descriptors {addr, len}; returns how many went in (0 when full). Producer thread. */
    int offer(int n);

    /** Takes up to {@code n} descriptors, reading each into {@code bh}; returns how many. Consumer thread. */
    int poll(int n, Blackhole bh);

    @Override
    void close();

    /** The implementation called {@code impl}: zcnbrh, jctools, agrona or disruptor. */
    static Handoff create(String impl, int ringSize) {
        return switch (impl) {
            case "zcnbrh" -> new ZcnbrhHandoff(ringSize);
            case "jctools" -> new JctoolsHandoff(ringSize);
            case "agrona" -> new AgronaHandoff(ringSize);
            case "disruptor" -> new DisruptorHandoff(ringSize);
            default -> throw new IllegalArgumentException("unknown impl " + impl
                + "; one of zcnbrh, jctools, agrona, disruptor");
        };
    }
}
