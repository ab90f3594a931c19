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
        assertTrue(refused(b -> b.filePermissions(01777)).contains("within 0777"));
        assertTrue(refused(b -> b.busyPoll(-1, 8, false)).contains("must not be negative"));
        assertTrue(refused(b -> b.fanoutGroup(70000)).contains("0..65535"));
        assertTrue(refused(b -> b.xdpObject(Path.of("x.o"), null).filter("udp")).contains("one XDP program"));
        assertTrue(refused(b -> b.filter("udp").xdpProgram(PacketFilter.compile("tcp").factory(null)))
            .contains("a filter or a program of one's own"));
    }

    @Test
    void theBuilderKeepsWhatItIsGiven() {
        PortConfig c = PortConfig.builder().numaNode(0).filePermissions(0640).needWakeup(false).fanoutGroup(7)
            .daemonSocket("/tmp/d.sock").build();
        assertEquals(0, c.numaNode());
        assertEquals(0640, c.filePermissions());
        assertTrue(!c.needWakeup());
        assertEquals(7, c.fanoutGroup());
        assertEquals("/tmp/d.sock", c.daemonSocket());
    }
}
