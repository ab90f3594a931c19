package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.netlab.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A queue group on a single-queue device: its one socket replaced in place, and a closed group refusing work. */
@Tag("kernel")
class AfXdpQueuesTest {
    @Test
    void theOnlyQueueIsReopenedAndAClosedGroupSaysSo() {
        PortConfig config = PortConfig.builder().ringSize(64).frameCount(128).build();
        try (VethPair veth = new VethPair()) {
            assertEquals(1, AfXdpQueues.rxQueues(veth.outer));
            assertEquals(1, AfXdpQueues.rxQueues("zcnbrh-none0"), "an interface sysfs does not know has one queue");
            AfXdpQueues group = AfXdpQueues.open(veth.outer, config);
            AfXdpPort before = group.ports().get(0);
            AfXdpPort after = group.reopen(0); // no other socket to share the UMEM with: it registers again
            assertTrue(before != after);
            assertTrue(after.audit().ok(), after.audit().toString());
            group.close();
            group.close(); // idempotent
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> group.reopen(0));
            assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
        }
    }
}
