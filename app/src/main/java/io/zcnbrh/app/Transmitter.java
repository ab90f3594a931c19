package io.zcnbrh.app;

import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.traffic.UdpFlow;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.locks.LockSupport;

/**
 * Sequenced UDP through a port's batch transmit path, as fast as it goes or paced: claim up to 64 frames, write
 * each in place, transmit the batch with one kick. A frame's headers are written the first time the port lends it
 * and kept (a port lends the same frames again), so per packet only the payload is written, the sequence number
 * first. What {@code zcnbrh tx} and {@code bench transmit} run. Allocates nothing after its first pass over the
 * port's frames.
 */
public final class Transmitter {
    static final int BATCH = 64;

    private final Port port;
    private final MemorySegment headers;
    private final int offset;
    private final int size;
    private final Packet[] batch = new Packet[BATCH];
    private final int[] lengths = new int[BATCH];
    private final BitSet prepared = new BitSet();
    private long seq;
    private long noFrame;

    /**
     * For {@code port}: {@code headers} (Ethernet/IPv4/UDP, or empty for a UDP-flow port) go before a payload of
     * {@code size} bytes.
     */
    public Transmitter(Port port, byte[] headers, int size) {
        this.port = port;
        this.headers = MemorySegment.ofArray(headers.clone());
        this.offset = headers.length;
        this.size = size;
        Arrays.fill(lengths, offset + size);
    }

    /** Packets sent so far (the next sequence number). */
    public long sent() {
        return seq;
    }

    /** Times no frame was free (the ring or the completions were behind). */
    public long noFrame() {
        return noFrame;
    }

    /**
     * Sends until {@code limit} packets in all (0: no limit) or {@code endNanos}; at most one packet per
     * {@code intervalNanos} when that is above 0 (a sender that fell behind resumes the pace with at most one batch
     * at once, never a catch-up burst); {@code tick} runs after every batch.
     */
    public void run(long limit, long endNanos, long intervalNanos, java.util.function.Consumer<Port> tick) {
        long start = System.nanoTime();
        long first = seq;
        while ((limit == 0 || seq < limit) && System.nanoTime() < endNanos) {
            int want = (int) Math.min(BATCH, limit == 0 ? BATCH : limit - seq);
            if (intervalNanos > 0) {
                long due = (System.nanoTime() - start) / intervalNanos + 1 - (seq - first);
                if (due > BATCH) { // behind (this thread was descheduled): no catch-up burst, the pace resumes
                    start += (due - BATCH) * intervalNanos;
                    due = BATCH;
                }
                if (due <= 0) {
                    port.flush();
                    LockSupport.parkNanos(intervalNanos - (System.nanoTime() - start) % intervalNanos);
                    continue;
                }
                want = (int) Math.min(want, due);
            }
            int n = port.claim(batch, want);
            if (n == 0) {
                noFrame++;
                port.flush();
                Thread.onSpinWait();
                tick.accept(port);
                continue;
            }
            for (int i = 0; i < n; i++) {
                Packet p = batch[i];
                MemorySegment frame = p.segment();
                if (offset > 0 && !prepared.get(p.frameIndex())) {
                    MemorySegment.copy(headers, 0, frame, 0, offset);
                    prepared.set(p.frameIndex());
                }
                UdpFlow.writeAt(frame, offset, seq + i, size);
            }
            port.transmit(batch, lengths, n);
            seq += n;
            tick.accept(port);
        }
        port.flush();
    }
}
