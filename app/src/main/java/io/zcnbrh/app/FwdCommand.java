package io.zcnbrh.app;

import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * {@code zcnbrh fwd IN OUT}: every frame received on IN sent out of OUT. When IN and OUT are the same port the
 * frame is forwarded without a copy (its ownership moves from the RX to the TX ring); between two ports with
 * separate memory it is copied once into a frame claimed on OUT (zero-copy between two ports needs one shared UMEM,
 * which two separately opened ports do not have).
 */
@Command(name = "fwd", description = "Forward frames from one port to another (zero-copy on the same port).")
public final class FwdCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "receive from this port")
    String in;

    @Parameters(index = "1", description = "send on this port (the same spec: zero-copy hairpin)")
    String out;

    @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0: no limit)")
    double seconds;

    @Option(names = "--count", defaultValue = "0", description = "stop after this many frames (0: no limit)")
    long count;

    @Option(names = "--swap-macs", description = "swap source and destination MAC (reflect frames to their sender)")
    boolean swapMacs;

    @Option(names = "--filter", description = "only frames matching this tcpdump expression")
    String filter;

    @picocli.CommandLine.Mixin
    MetricsOption metrics = new MetricsOption();

    @Option(names = "--quiet", description = "no status line")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (seconds <= 0 && count <= 0) {
            throw new IllegalArgumentException("say when to stop: --seconds S or --count N (or both)");
        }
        boolean same = in.equals(out);
        PortConfig config = PortConfig.builder().filter(filter).txBatch(same ? 64 : 32).build();
        try (Port rx = Zcnbrh.open(in, config); Port tx = same ? rx : Zcnbrh.open(out, PortConfig.builder().txBatch(32)
            .build())) {
            System.err.println("fwd: " + rx.spec() + " -> " + tx.spec() + (same ? " (zero-copy: the same frame goes out)"
                : " (one copy: the ports have separate memory)"));
            long forwarded = 0;
            long dropped = 0;
            long end = seconds > 0 ? System.nanoTime() + (long) (seconds * 1e9) : Long.MAX_VALUE;
            try (PortTelemetry status = new PortTelemetry("fwd", System.err, !quiet, metrics)) {
                if (same && count <= 0) { // the fast path: batches, zero-copy, one kick per batch
                    Hairpin h = new Hairpin(rx, swapMacs);
                    h.run(end, status::tick);
                    forwarded = h.forwarded;
                    dropped = h.dropped;
                }
                while (!(same && count <= 0) && (count <= 0 || forwarded + dropped < count)
                    && System.nanoTime() < end) {
                    Packet p = rx.poll();
                    if (p == null) {
                        rx.flush();
                        tx.flush();
                        rx.awaitPackets(1_000_000);
                        status.tick(rx);
                        continue;
                    }
                    if (swapMacs && p.length() >= 12) {
                        swap(p.segment());
                    }
                    boolean sent;
                    if (same) {
                        sent = rx.forward(p); // false: dropped for a full ring, the frame is already back (counted)
                    } else {
                        Packet o = tx.claim();
                        sent = o != null;
                        if (sent) {
                            MemorySegment.copy(p.segment(), 0, o.segment(), 0, p.length());
                            sent = tx.transmit(o, p.length());
                        }
                        rx.release(p);
                    }
                    if (sent) {
                        forwarded++;
                    } else {
                        dropped++;
                    }
                    status.tick(rx);
                }
                tx.flush();
            }
            System.out.println("fwd: " + forwarded + " frames forwarded, " + dropped + " dropped (no room on "
                + tx.spec() + ")");
            return 0;
        }
    }

    /**
     * Forwards every frame a port receives out of the same port without copying it: batch polls of 64, each frame
     * forwarded in the handler (its MACs swapped if asked), one publish and kick per batch; when nothing arrives,
     * the port's own wait. What {@code fwd IN IN} and {@code bench forward} run. Allocates nothing.
     */
    public static final class Hairpin implements PacketHandler {
        private final Port port;
        private final boolean swapMacs;
        long forwarded;
        long dropped;

        public Hairpin(Port port, boolean swapMacs) {
            this.port = port;
            this.swapMacs = swapMacs;
        }

        /** Frames forwarded so far. */
        public long forwarded() {
            return forwarded;
        }

        /** Frames dropped so far (no room on the TX ring). */
        public long dropped() {
            return dropped;
        }

        @Override
        public void onPacket(Packet p) {
            if (swapMacs && p.length() >= 12) {
                swap(p.segment());
            }
            if (port.forward(p)) {
                forwarded++;
            } else {
                dropped++;
            }
        }

        public void run(long endNanos, java.util.function.Consumer<Port> tick) {
            while (System.nanoTime() < endNanos) {
                if (port.poll(this, 64) == 0) {
                    port.awaitPackets(1_000_000);
                } else {
                    port.flush();
                }
                tick.accept(port);
            }
            port.flush();
        }
    }

    private static void swap(MemorySegment f) {
        for (int i = 0; i < 6; i++) {
            byte d = f.get(JAVA_BYTE, i);
            f.set(JAVA_BYTE, i, f.get(JAVA_BYTE, 6 + i));
            f.set(JAVA_BYTE, 6 + i, d);
        }
    }
}
