package io.zcnbrh.backend.iouring;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.Errno;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A provided-buffer ring ({@code struct io_uring_buf_ring}, IORING_REGISTER_PBUF_RING, Linux 5.19+): the
 * application posts buffers (address, length, id), publishes them with one release store of the tail, and a
 * request with IOSQE_BUFFER_SELECT takes the next one and names its id in the completion. Only the posting thread
 * writes entries and the tail; the kernel only reads them.
 */
final class ProvidedBufferRing implements AutoCloseable {
    /** {@code struct io_uring_buf}: addr (u64), len (u32), bid (u16), resv (u16). */
    private static final int ENTRY = 16, ADDR = 0, LEN = 8, BID = 12;
    /** The tail overlays the first entry's resv field. */
    private static final long TAIL = 14;
    private static final VarHandle SHORT = JAVA_SHORT.varHandle();

    private final Mapping memory;
    private final MemorySegment entries;
    private final int mask;
    private final int groupId;
    private int tail;
    private int staged;

    private ProvidedBufferRing(Mapping memory, int size, int groupId) {
        this.memory = memory;
        this.entries = memory.segment();
        this.mask = size - 1;
        this.groupId = groupId;
    }

    /** Maps a ring of {@code size} entries (a power of two up to 32768) and registers it as group {@code groupId}. */
    static ProvidedBufferRing register(IoUring ring, int size, int groupId) {
        Mapping mem = Mapping.anonymous((long) ENTRY * size, PageSize.BASE, -1);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment reg = a.allocate(40, 8); // struct io_uring_buf_reg: ring_addr, ring_entries, bgid
            reg.set(JAVA_LONG, 0, mem.segment().address());
            reg.set(JAVA_INT, 8, size);
            reg.set(JAVA_SHORT, 12, (short) groupId);
            Libc.orThrow(ring.register(IoUring.REGISTER_PBUF_RING, reg, 1),
                "io_uring_register(IORING_REGISTER_PBUF_RING)",
                e -> e == Errno.EINVAL ? "this kernel has no provided-buffer rings (Linux 5.19+)" : "");
            return new ProvidedBufferRing(mem, size, groupId);
        } catch (RuntimeException e) {
            mem.close();
            throw e;
        }
    }

    /** Writes a buffer into the next slot; the kernel sees it after {@link #publish}. */
    void post(long address, int length, int bufferId) {
        long at = (long) ENTRY * (tail & mask);
        entries.set(JAVA_LONG, at + ADDR, address);
        entries.set(JAVA_INT, at + LEN, length);
        entries.set(JAVA_SHORT, at + BID, (short) bufferId);
        tail++;
        staged++;
    }

    /** Publishes the posted buffers: the entries are written before the tail says so (release). */
    void publish() {
        if (staged > 0) {
            SHORT.setRelease(entries, TAIL, (short) tail);
            staged = 0;
        }
    }

    /** Buffers posted so far (wrapping int): minus those consumed, the buffers the kernel may still take. */
    int tail() {
        return tail;
    }

    /** Entries in the ring. */
    int size() {
        return mask + 1;
    }

    /** The group id requests name to take from this ring. */
    int groupId() {
        return groupId;
    }

    @Override
    public void close() {
        memory.close();
    }
}
