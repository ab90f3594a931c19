package io.zcnbrh.sys;

import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.netlab.VethPair;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Work done inside a network namespace, on a thread of its own, and every way it can fail. */
@Tag("kernel")
class NetNamespaceTest {
    @Test
    void workRunsInTheNamespaceAndItsFailuresComeBackAsTheyWere() throws Exception {
        try (VethPair veth = new VethPair()) {
            // the inner end exists only inside the namespace
            assertTrue(NetNamespace.call(veth.netns, () -> Libc.ifNameToIndex(veth.inner)) > 0);
            assertEquals(0, Libc.ifNameToIndex(veth.inner), "and not outside it");
            IllegalStateException runtime = assertThrows(IllegalStateException.class,
                () -> NetNamespace.call(veth.netns, () -> {
                    throw new IllegalStateException("thrown inside");
                }));
            assertEquals("thrown inside", runtime.getMessage());
            ZcnbrhException checked = assertThrows(ZcnbrhException.class, () -> NetNamespace.call(veth.netns, () -> {
                throw new IOException("checked inside");
            }));
            assertTrue(checked.getMessage().contains("failed in namespace " + veth.netns + ": checked inside"));
            assertThrows(AssertionError.class, () -> NetNamespace.call(veth.netns, () -> {
                throw new AssertionError("an error inside");
            }));
        }
        SyscallException none = assertThrows(SyscallException.class,
            () -> NetNamespace.call("zcnbrh-no-such-ns", () -> 1));
        assertTrue(none.getMessage().contains("no network namespace 'zcnbrh-no-such-ns'"), none.getMessage());
    }
}
