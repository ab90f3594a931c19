package io.zcnbrh.zcnbrhd;

import io.zcnbrh.daemon.Protocol;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client may ask zcnbrhd for, checked before any grant is looked at (a client is not trusted). */
@Tag("unit")
class RequestTest {
    private static String problem(Map<String, String> fields) {
        return Request.parse(Protocol.format(fields)).problem();
    }

    @Test
    void sensibleRequestsPassAndEveryOutOfRangeFieldIsNamed() {
        Request ok = Request.parse(Protocol.format(Map.of("ifname", "eth0", "queue", "3", "ring", "1024",
            "filter", "udp port 53")));
        assertNull(ok.problem());
        assertEquals(2048, ok.frames(), "two frames per ring slot by default");
        assertEquals("udp port 53", ok.filter());
        assertTrue(problem(Map.of("queue", "0")).contains("is not an interface name"));
        assertTrue(problem(Map.of("ifname", "eth0/../x")).contains("is not an interface name"));
        assertTrue(problem(Map.of("ifname", "abcdefghijklmnop")).contains("1 to 15"));
        assertTrue(problem(Map.of("ifname", "..")).contains("is not an interface name"));
        assertTrue(problem(Map.of("ifname", "eth0", "queue", "64")).contains("from 0 to 63"));
        assertTrue(problem(Map.of("ifname", "eth0", "ring", "1000")).contains("power of two"));
        assertTrue(problem(Map.of("ifname", "eth0", "ring", "16384")).contains("64 to 8192"));
        assertTrue(problem(Map.of("ifname", "eth0", "ring", "2048", "frames", "2048")).contains("2 x ring"));
        assertTrue(problem(Map.of("ifname", "eth0", "frame_size", "1500")).contains("2048 or 4096"));
        assertTrue(problem(Map.of("ifname", "eth0", "queue", "one")).contains("not one"));
    }
}
