package io.zcnbrh.app;

import io.zcnbrh.stat.CountersFile;

import java.util.concurrent.TimeUnit;

/**
 * Waits for the event "a command's port is open and receiving" instead of sleeping: every command publishes its
 * counters file (what {@code zcnbrh stat} reads) from its receive loop, once the port is live.
 */
final class OpenPorts {
    private OpenPorts() {
    }

    /** Returns once a live port whose spec names {@code ifname} (or an address) publishes counters; fails after 60 s. */
    static void await(String ifname) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (CountersFile.readAll().stream().noneMatch(s -> s.alive() && s.spec().contains(ifname))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no port on " + ifname + " published its counters within 60 s");
                }
                Thread.sleep(5);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
