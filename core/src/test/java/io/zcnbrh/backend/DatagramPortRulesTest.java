package io.zcnbrh.backend;

import org.junit.jupiter.api.Tag;
import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules of UDP ports on loopback (socket and io_uring): no Ethernet filter on datagrams, no send without a
 * peer, an empty transmit pool counted, a second close harmless, and the frames back home after all of it.
 */
@Tag("unit")
class DatagramPortRulesTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"socket", "iouring"})
    void datagramPortsRefuseWhatTheyCannotDoAndCountAnEmptyPool(String scheme) {
        String spec = scheme + ":udp:127.0.0.1:0"; // a port of its own, picked by the kernel at bind
        IllegalArgumentException filtered = assertThrows(IllegalArgumentException.class,
            () -> Zcnbrh.open(spec, PortConfig.builder().filter("udp").build()));
        assertTrue(filtered.getMessage().contains("a filter reads Ethernet frames"), filtered.getMessage());
        Port port = Zcnbrh.open(spec, PortConfig.builder().ringSize(64).frameCount(128).build());
        try {
            assertTrue(port.toString().contains(spec.substring(scheme.length() + 1)), port.toString());
            Packet first = port.claim();
            IllegalStateException noPeer = assertThrows(IllegalStateException.class, () -> port.transmit(first, 10));
            assertTrue(noPeer.getMessage().contains("has no peer to send to"), noPeer.getMessage());
            port.release(first); // a refused transmit leaves the frame with the caller
            List<Packet> held = new ArrayList<>();
            for (Packet p = port.claim(); p != null; p = port.claim()) {
                held.add(p);
            }
            assertNull(port.claim());
            assertTrue(port.counters().get(Counter.RING_FULL) >= 1, "the empty pool is counted");
            held.forEach(port::release);
            assertEquals(0, port.audit().byPlace().getOrDefault(io.zcnbrh.flow.FramePlace.APP, 0),
                port.audit().toString());
        } finally {
            port.close();
            port.close(); // a second close does nothing
        }
    }
}
