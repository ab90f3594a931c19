package io.zcnbrh.backend.afpacket;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.netlab.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AF_PACKET's transmit ring as a credit: claims beyond it are refused and counted, and every frame comes back. */
@Tag("kernel")
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

    @Test
    void aForwardThatFindsNoTransmitFrameIsDroppedAndTheFrameTakenBack() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             Port port = Zcnbrh.open("afpacket:" + veth.outer, PortConfig.builder().ringSize(64).frameCount(128).build())) {
            io.zcnbrh.traffic.UdpFlow.send(veth.netns, veth.outerIp, 9000, 5, 64, 50_000_000L);
            Packet received = null;
            for (int i = 0; i < 500 && received == null; i++) {
                received = port.poll();
                if (received == null) {
                    port.awaitPackets(10_000_000L);
                }
            }
            assertTrue(received != null, "a packet arrived");
            List<Packet> held = new ArrayList<>(); // every transmit frame, after the receive (they count as credit)
            for (Packet p = port.claim(); p != null; p = port.claim()) {
                held.add(p);
            }
            long drops = port.counters().get(Counter.DROPS);
            // AF_PACKET forwards by copying into a transmit frame, and there is none: false, the one meaning of
            // which (Port#forward) is "dropped, counted, and the port took the frame back"
            assertEquals(false, port.forward(received));
            assertEquals(0, received.refCount(), "the application still held the dropped packet");
            assertEquals(drops + 1, port.counters().get(Counter.DROPS));
            held.forEach(port::release);
            for (Packet p = port.poll(); p != null; p = port.poll()) {
                port.release(p);
            }
            assertEquals(0, port.audit().byPlace().getOrDefault(FramePlace.APP, 0), port.audit().toString());
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }
}
