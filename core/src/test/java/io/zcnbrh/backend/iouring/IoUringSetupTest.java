package io.zcnbrh.backend.iouring;

import io.zcnbrh.error.SyscallException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** io_uring_setup through FFM: a ring the kernel accepts, and the kernel's refusal of one it does not. */
@Tag("unit")
class IoUringSetupTest {
    @Test
    void aRingIsMadeAndABadOneIsRefusedWithTheErrno() {
        try (IoUring ring = new IoUring(8, 16, 0)) {
            assertTrue(ring.fd() > 0);
            assertEquals(0, ring.submit(0), "nothing to submit");
            assertTrue(!ring.peek(), "nothing completed");
            assertTrue(ring.supportedOps()[Sqe.OP_RECV], "RECV is there on any kernel this library runs on");
        }
        SyscallException e = assertThrows(SyscallException.class, () -> new IoUring(0, 16, 0));
        assertTrue(e.getMessage().contains("io_uring_setup(0)") && e.getMessage().contains("EINVAL"), e.getMessage());
    }
}
