package io.zcnbrh;

/**
 * One packet I/O endpoint, the unified API over every backend (M10). Open with {@link Zcnbrh#open}.
 * A port is driven by one thread: poll, release, claim, transmit and forward must be called from it.
 * Counters and audits may be read from any thread.
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

    /** What this port's packets hold. */
    default Content content() {
        return Content.ETHERNET_FRAMES;
    }

    /** The next received packet, or null when none is ready or the application holds its whole credit budget. */
    Packet poll();

    /**
     * Calls {@code handler} for up to {@code budget} received packets; returns how many. Allocates nothing.
     * Packets the handler did not release, forward, transmit or retain are released when it returns.
     */
    int poll(PacketHandler handler, int budget);

    /** Gives a received or claimed packet back; this returns the credit (M5). */
    void release(Packet packet);

    /**
     * A free frame to write a packet into, or null when there is no credit (counted in ring_full_count;
     * with {@code Backpressure.BLOCK} it waits first).
     */
    Packet claim();

    /** Sends the first {@code length} bytes of a claimed packet; false when dropped for lack of ring space. */
    boolean transmit(Packet packet, int length);

    /** Sends a received packet on without copying it (ownership transfer, M2/M3); false when dropped. */
    boolean forward(Packet packet);

    /**
     * Publishes packets that transmit/forward staged (see {@code PortConfig.txBatch}). With the default batch
     * of 1 every transmit is published at once and this does nothing. claim() flushes by itself before it
     * reports "no credit", and close() flushes.
     */
    void flush();

    /**
     * Waits up to {@code timeoutNanos} for packets, without spinning where the backend can block in the kernel
     * (AF_XDP: poll(2) on the socket, which also lets the kernel's receive work run on this core). Returns early
     * when packets may be there; a caller polls again either way.
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
