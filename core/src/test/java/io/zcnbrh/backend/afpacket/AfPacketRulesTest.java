package io.zcnbrh.backend.afpacket;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.netlab.VethPair;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AF_PACKET's transmit ring as a credit: claims beyond it are refused and counted, and every frame comes back. */
class AfPacketRulesTest {
    @Test
    void aFullTransmitRingRefusesClaimsAndCountsThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Zcnbrh.open("afpacket:", PortConfig.defaults()))
            .getMessage().contains("needs an interface name"));
        try (VethPair veth = new VethPair();
             Port port = Zcnbrh.open("afpacket:" + veth.outer, PortConfig.builder().ringSize(64).frameCount(128).build())) {
            List<Packet> held = new ArrayList<>();
            for (Packet p = port.claim(); p != null; p = port.claim()) {
                held.add(p);
            }
            assertTrue(held.size() > 0);
            assertNull(port.claim());
            assertTrue(port.counters().get(Counter.RING_FULL) >= 1, "a claim with the TX ring full is counted");
            held.forEach(port::release);
            assertEquals(0, port.audit().byPlace().getOrDefault(FramePlace.APP, 0), port.audit().toString());
            Packet again = port.claim();
            assertTrue(again != null, "released frames can be claimed again");
            port.release(again);
        }
    }
}
