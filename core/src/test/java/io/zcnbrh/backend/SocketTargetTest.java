package io.zcnbrh.backend;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket and io_uring specs: what they mean, and every malformed one refused with what is wrong. */
@Tag("unit")
class SocketTargetTest {
    @Test
    void specsParseIntoAddressesPortsAndInterfaces() {
        SocketTarget udp = SocketTarget.parse("socket", "udp:10.0.0.1:9000->10.0.0.2:9100");
        assertArrayEquals(new byte[] {10, 0, 0, 1}, udp.address());
        assertEquals(9000, udp.port());
        assertArrayEquals(new byte[] {10, 0, 0, 2}, udp.peer());
        assertEquals(9100, udp.peerPort());
        SocketTarget alone = SocketTarget.parse("iouring", "udp:0.0.0.0:65535");
        assertNull(alone.peer());
        assertEquals(65535, alone.port());
        SocketTarget raw = SocketTarget.parse("socket", "raw:eth1");
        assertTrue(raw.raw());
        assertEquals("eth1", raw.ifname());
    }

    @Test
    void malformedSpecsSayWhatIsWrong() {
        String[][] cases = {
            {"raw:", "needs an interface"},
            {"tcp:1.2.3.4:80", "needs udp:ADDR:PORT[->PEER:PORT] or raw:IFACE"},
            {"udp:9000", "is not ADDR:PORT"},
            {"udp:1.2.3.4:http", "is not a number"},
            {"udp:1.2.3.4:70000", "port 70000 is out of range"},
            {"udp:localhost:9000", "no name lookups"},
            {"udp:1.2.3.4:9000->peer", "is not ADDR:PORT"},
            {"udp:1.2.3.4.5:9000", "is not an IPv4 address"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocketTarget.parse("socket", c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }
}
