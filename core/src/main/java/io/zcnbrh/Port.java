package io.zcnbrh;

import io.zcnbrh.flow.AuditReport;

/**
 * One packet I/O endpoint, the unified API over every backend (M10). Open with {@link Zcnbrh#open}.
 * A port is driven by one thread: every call, counters() and audit() included, is made from it (AF_XDP and
 * AF_PACKET refresh their counters from the kernel when asked, and AF_XDP's audit takes sent frames off the
 * completion ring). Other threads and processes read a port's numbers from its counters file ({@code zcnbrh stat},
 * the metrics endpoint) or from a {@link PortCounters#snapshot()} the port's thread took. "Allocates nothing"
 * below means no object per packet in the default ownership mode (checked mode records a stack trace per lend);
 * README.md names the test that measures it for each backend.
 */
public interface Port extends AutoCloseable {
    /** The backend's name: {@code shm}, {@code afxdp}, ... */
    String backend();

    /** The spec this port was opened with. */
    String spec();

    /** What a packet holds: a whole Ethernet frame, or a datagram's payload (UDP-flow ports). */
    enum Content { ETHERNET_FRAMES, DATAGRAMS }

    /** How the backend moves packets, in one word (afxdp: copy or zerocopy; afpacket: tpacket_v3; ...). */
    default String mode() {
        return backend();
    }

    /**
     * A file descriptor that poll(2) reports readable when packets wait (AF_XDP: the socket), for an event loop that
     * waits on several things at once; -1 when the port has none (then use {@link #awaitPackets}).
     */
    default int pollFd() {
        return -1;
    }

    /** What this port's packets hold. */
    default Content content() {
        return Content.ETHERNET_FRAMES;
    }

    /** The next received packet, or null when none is ready or the application holds its whole credit budget. */
    Packet poll();

    /**
     * Calls {@code handler} for up to {@code budget} received packets; returns how many. Allocates nothing.
     * Packets the handler did not release, forward, transmit or retain are released when it returns (only the
     * packet it was handed: a frame it claimed meanwhile stays its own, even if the pool lent it the same object).
     * If the handler throws, its packet is released likewise, the packets after it stay queued for the next poll,
     * and the exception reaches the caller.
     */
    int poll(PacketHandler handler, int budget);

    /**
     * The receive loop's one call: polls up to {@code budget} packets into {@code handler}; when none are there it
     * waits the way this backend should ({@link #awaitPackets}: AF_XDP blocks in poll(2) under light traffic and
     * leaves the core to the kernel's receive work under heavy traffic, never spinning it away) and polls again.
     * Returns how many packets were handled, 0 when {@code timeoutNanos} passed without any (so the caller can
     * check whether to stop). Allocates nothing.
     *
     * <pre>{@code
     * while (running) {
     *     port.receive(packet -> process(packet.segment(), packet.length()), 64, 100_000_000);
     * }
     * }</pre>
     */
    default int receive(PacketHandler handler, int budget, long timeoutNanos) {
        int n = poll(handler, budget);
        if (n > 0) {
            return n;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        long left = timeoutNanos;
        while (left > 0) {
            awaitPackets(left);
            n = poll(handler, budget);
            if (n > 0) {
                return n;
            }
            left = deadline - System.nanoTime();
        }
        return 0;
    }

    /** Gives a received or claimed packet back; this returns the credit (M5). */
    void release(Packet packet);

    /**
     * A free frame to write a packet into, or null when there is no credit (counted in ring_full_count;
     * with {@code Backpressure.BLOCK} it waits first).
     */
    Packet claim();

    /**
     * Sends the first {@code length} bytes of a claimed packet. True: the port owns the frame until the kernel or
     * peer is done with it. False, on every backend: dropped for lack of ring space, counted in {@code drops}, and
     * the port took the frame back; do not touch or release the packet again (claim another).
     */
    boolean transmit(Packet packet, int length);

    /**
     * Claims up to {@code max} free frames into {@code into[0..n)} and returns n: as many as are free now, 0 when
     * none are (counted in ring_full_count like {@link #claim()}). Never waits. Allocates nothing.
     */
    default int claim(Packet[] into, int max) {
        int n = 0;
        Packet p;
        while (n < max && (p = claim()) != null) {
            into[n++] = p;
        }
        return n;
    }

    /**
     * Sends {@code packets[0..count)}, packet i with {@code lengths[i]} bytes, and publishes them at once (one
     * kick of the kernel for the batch, not one per packet). Returns how many were sent; the rest were dropped
     * for lack of ring space (counted) and their frames are back in the pool. Allocates nothing.
     */
    default int transmit(Packet[] packets, int[] lengths, int count) {
        int sent = 0;
        for (int i = 0; i < count; i++) {
            if (transmit(packets[i], lengths[i])) {
                sent++;
            }
        }
        flush();
        return sent;
    }

    /**
     * Sends claimed frames {@code fragments[0..count)}, fragment i with {@code lengths[i]} bytes, as ONE packet of
     * their total length: a multi-buffer packet (a jumbo frame over several frames, no copy), as AF_XDP sends it with
     * XDP_USE_SG. True: sent (the port owns every frame); false: dropped for lack of ring space, counted, and every
     * frame is back in the pool. A port that carries no multi-buffer packets refuses more than one fragment, saying
     * so; with one it is {@link #transmit(Packet, int)}.
     */
    default boolean transmitFragments(Packet[] fragments, int[] lengths, int count) {
        if (count == 1) {
            return transmit(fragments[0], lengths[0]);
        }
        throw new UnsupportedOperationException(spec() + " carries no multi-buffer packets: only AF_XDP bound with "
            + "XDP_USE_SG does (AfXdpOptions.withMultiBuffer(ON), Linux 6.6+); send " + count + " frames as "
            + count + " packets, or one that fits a frame");
    }

    /**
     * Sends a received packet on without copying it (ownership transfer, M2/M3). False, on every backend: dropped,
     * counted in {@code drops}, and the port took the frame back, as for {@link #transmit(Packet, int)}.
     */
    boolean forward(Packet packet);

    /**
     * Publishes packets that transmit/forward staged (see {@code PortConfig.txBatch}). With the default batch
     * of 1 every transmit is published at once and this does nothing. claim() flushes by itself before it
     * reports "no credit", and close() flushes.
     */
    void flush();

    /**
     * Waits up to {@code timeoutNanos} for packets without spinning. AF_XDP decides from the traffic: under
     * light traffic it blocks in poll(2) on the socket, under heavy traffic it parks just long enough for part of
     * a ring to arrive (either way the kernel's receive work can run on this core); AF_PACKET, sockets and
     * io_uring block in poll(2) (at least 1 ms, at most 1 s); shm parks up to 50 us. Returns early when packets
     * may be there; a caller polls again either way.
     */
    default void awaitPackets(long timeoutNanos) {
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(timeoutNanos, 50_000));
    }

    /** The live counters. */
    PortCounters counters();

    /** Proves conservation of frames: every frame in exactly one place. */
    AuditReport audit();

    /** Closes the port, reporting frames the application still holds, and frees every resource. */
    @Override
    void close();
}
