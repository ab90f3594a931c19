package io.zcnbrh.backend.afxdp;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.config.Backpressure;
import io.zcnbrh.netlab.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transmit credit on AF_XDP with Backpressure.BLOCK: claim waits for completions, then gives up and counts it. */
@Tag("kernel")
class AfXdpBackpressureTest {
    @Test
    void aClaimWithNoFreeFrameWaitsForCompletionsThenCountsRingFull() {
        PortConfig config = PortConfig.builder().ringSize(64).frameCount(256).backpressure(Backpressure.BLOCK)
            .blockTimeout(Duration.ofMillis(50)).build();
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, config)) {
            List<Packet> held = new ArrayList<>();
            for (Packet p = port.claim(); p != null; p = port.claim()) {
                held.add(p);
            }
            assertTrue(held.size() > 0, "the TX pool had frames");
            assertTrue(port.counters().get(Counter.RING_FULL) >= 1, "the empty pool is counted");
            // send them all: the kernel completes them, so a blocked claim finds frames again
            for (Packet p : held) {
                port.transmit(p, 60);
            }
            port.flush();
            Packet again = port.claim();
            assertTrue(again != null, "completions gave frames back to a waiting claim");
            port.release(again);
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void aClaimThatCannotBeServedWithinTheTimeoutReturnsNull() {
        PortConfig config = PortConfig.builder().ringSize(64).frameCount(256).backpressure(Backpressure.BLOCK)
            .blockTimeout(Duration.ofMillis(20)).build();
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, config)) {
            List<Packet> held = new ArrayList<>();
            for (Packet p = port.claim(); p != null; p = port.claim()) {
                held.add(p);
            }
            assertNull(port.claim(), "nothing in flight, nothing comes back: null after the timeout");
            held.forEach(port::release);
            assertEquals(0, port.audit().byPlace().getOrDefault(io.zcnbrh.flow.FramePlace.APP, 0));
        }
    }
}
