package io.zcnbrh.sys;

import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.netlab.VethPair;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

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

    /** Threads of the factory live in the namespace: its interfaces and its addresses are what they see. */
    @Test
    void aFactorysThreadsLiveInTheNamespace() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath().withIpv6()) {
            AtomicReference<Object> seen = new AtomicReference<>();
            Thread t = NetNamespace.threadFactory(veth.netns).newThread(() -> {
                int ifindex = Libc.ifindex(veth.inner);
                seen.set(List.of(InterfaceAddresses.of(ifindex, false), InterfaceAddresses.of(ifindex, true)));
            });
            t.start();
            t.join();
            assertEquals(List.of(List.of(InetAddress.getByName(veth.innerIp)),
                List.of(InetAddress.getByName(veth.innerIp6))), seen.get(), "IPv4, then IPv6 without link-local");
            assertTrue(InterfaceAddresses.of(Libc.ifindex(veth.outer), false).isEmpty(), "the outer end has none");
        }
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread lost = NetNamespace.threadFactory("zcnbrh-no-such-ns").newThread(() -> failed.set(new AssertionError(
            "ran outside its namespace")));
        lost.setUncaughtExceptionHandler((th, e) -> failed.set(e));
        lost.start();
        lost.join();
        assertTrue(failed.get() instanceof SyscallException, String.valueOf(failed.get()));
    }
}
