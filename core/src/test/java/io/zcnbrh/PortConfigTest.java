package io.zcnbrh;

import io.zcnbrh.filter.PacketFilter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A port's configuration: every value out of range is refused when built, with what the range is. */
@Tag("unit")
class PortConfigTest {
    private static String refused(UnaryOperator<PortConfig.Builder> change) {
        return assertThrows(IllegalArgumentException.class, () -> change.apply(PortConfig.builder()).build())
            .getMessage();
    }

    @Test
    void valuesOutOfRangeAreRefusedWithTheRange() {
        assertTrue(refused(b -> b.frameCount(3)).contains("frame count must be even"));
        // accepted once, then refused by the ring code when the fill ring (twice the ring) was made
        assertTrue(refused(b -> b.ringSize(65536)).contains("at most 32768"));
        assertEquals(PortConfig.MAX_RING_SIZE, PortConfig.builder().ringSize(32768).build().ringSize());
        assertTrue(refused(b -> b.numaNode(-2)).contains("NUMA node must be -1"));
        assertTrue(refused(b -> b.creditBudget(-1)).contains("credit budget must be positive"));
        assertTrue(refused(b -> b.shm(ShmOptions.defaults().withFilePermissions(01777))).contains("within 0777"));
        assertTrue(refused(b -> b.afXdp(AfXdpOptions.defaults().withBusyPoll(-1, 8, false)))
            .contains("must not be negative"));
        assertTrue(refused(b -> b.afXdp(AfXdpOptions.defaults().withRxRingSize(100))).contains("power of two"));
        assertTrue(refused(b -> b.afPacket(AfPacketOptions.fanout(70000))).contains("0..65535"));
    }

    @Test
    void aPortTakesOneProgramTheLastChoiceWins() {
        PacketFilter udp = PacketFilter.compile("udp");
        PortConfig filtered = PortConfig.builder().program(XdpProgram.objectFile(Path.of("x.o"), null)).filter(udp)
            .build();
        assertEquals(new XdpProgram.Filtered(udp), filtered.program());
        assertEquals(udp, filtered.filter());
        PortConfig object = PortConfig.builder().filter(udp).program(XdpProgram.objectFile(Path.of("x.o"), "p")).build();
        assertEquals(new XdpProgram.ObjectFile(Path.of("x.o"), "p"), object.program());
        assertEquals(null, object.filter(), "an object file's program is not a filter the software backends run");
        assertEquals(XdpProgram.redirect(), PortConfig.builder().filter("udp").filter(" ").build().program());
        assertEquals(XdpProgram.redirect(), PortConfig.builder().filter(udp).filter((PacketFilter) null).build()
            .program());
        assertThrows(NullPointerException.class, () -> XdpProgram.custom(null));
    }

    @Test
    void theRxRingIsAsLargeAsTheRingUnlessGiven() {
        assertEquals(512, PortConfig.builder().ringSize(512).build().afXdp().rxRingSize());
        assertEquals(64, PortConfig.builder().ringSize(512).afXdp(AfXdpOptions.defaults().withRxRingSize(64)).build()
            .afXdp().rxRingSize());
    }

    @Test
    void theBuilderKeepsWhatItIsGiven() {
        PortConfig c = PortConfig.builder().numaNode(0).shm(ShmOptions.defaults().withFilePermissions(0640))
            .afXdp(AfXdpOptions.defaults().withNeedWakeup(false)).afPacket(AfPacketOptions.fanout(7))
            .daemon(DaemonOptions.at("/tmp/d.sock")).build();
        assertEquals(0, c.numaNode());
        assertEquals(0640, c.shm().filePermissions());
        assertTrue(!c.afXdp().needWakeup());
        assertEquals(7, c.afPacket().fanoutGroup());
        assertEquals("/tmp/d.sock", c.daemon().socketPath());
    }
}
