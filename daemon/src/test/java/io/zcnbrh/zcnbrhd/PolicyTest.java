package io.zcnbrh.zcnbrhd;

import io.zcnbrh.sys.UnixSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** zcnbrhd's grants: parsing (numbers, names, groups, any queue, limits, filters), matching and every refusal. */
@Tag("unit")
class PolicyTest {
    private static final UnixSocket.Credentials NOBODY = new UnixSocket.Credentials(42, 65534, 65534);
    private static final UnixSocket.Credentials ROOT = new UnixSocket.Credentials(1, 0, 0);

    @Test
    void grantsParseWithNamesGroupsAnyQueueLimitsAndFilters() {
        Grant g = Grant.parse("nobody:eth0@3 frames=8192 filter=udp dst port 9000 and not host 10.0.0.1");
        assertEquals(new Grant(false, 65534, "eth0", 3, 8192, "udp dst port 9000 and not host 10.0.0.1", false), g);
        assertTrue(g.covers(NOBODY, "eth0", 3));
        assertTrue(!g.covers(NOBODY, "eth0", 2) && !g.covers(NOBODY, "eth1", 3) && !g.covers(ROOT, "eth0", 3));
        Grant any = Grant.parse("g:root:veth-x.1@*");
        assertEquals(new Grant(true, 0, "veth-x.1", -1, Grant.MAX_FRAMES, null, false), any);
        assertTrue(any.covers(ROOT, "veth-x.1", 17) && !any.covers(NOBODY, "veth-x.1", 0));
        assertEquals("g:0:veth-x.1@*", any.toString());
        assertEquals(g, Grant.parse(g.toString().replace("65534", "nobody")));
    }

    @Test
    void badGrantsAreRefusedWithWhatIsWrong() {
        assertTrue(message("eth0@0").contains("PRINCIPAL:IFACE@QUEUE"));
        assertTrue(message("1000:eth0@").contains("PRINCIPAL:IFACE@QUEUE"));
        assertTrue(message("1000:eth0@x").contains("queue 'x' is not a number"));
        assertTrue(message("no-such-user-here:eth0@0").contains("no user 'no-such-user-here' in /etc/passwd"));
        assertTrue(message("g:no-such-group-here:eth0@0").contains("no group 'no-such-group-here' in /etc/group"));
        assertTrue(message("1000:eth0@0 frames=100000").contains("1 to 65536 frames"));
        assertTrue(message("1000:eth0@0 ring=4").contains("unknown grant option 'ring=4'"));
        assertTrue(message("1000:eth0@0 filter=udp dst port").contains("^"), "the filter's own error, with a caret");
    }

    private static String message(String grant) {
        return assertThrows(IllegalArgumentException.class, () -> Grant.parse(grant)).getMessage();
    }

    @Test
    void aPolicyFileIsReadInOrderTheFirstCoveringGrantDecidesAndErrorsNameTheLine() throws Exception {
        Path f = Files.createTempFile("policy", ".txt");
        try {
            Files.writeString(f, """
                # tenants of eth0
                65534:eth0@0 frames=4096 filter=udp   # the market data feed
                nobody:eth0@*

                """);
            Policy p = Policy.read(f);
            assertEquals(2, p.grants().size());
            assertSame(p.grants().get(0), p.find(NOBODY, "eth0", 0));
            assertEquals("udp", p.find(NOBODY, "eth0", 0).filter());
            assertSame(p.grants().get(1), p.find(NOBODY, "eth0", 5));
            assertNull(p.find(ROOT, "eth0", 0), "nothing is allowed that no line allows");
            assertNull(p.find(NOBODY, "eth1", 0));
            Files.writeString(f, "65534:eth0@0\n\n1000:eth0@0 frames=zero\n");
            String m = assertThrows(IllegalArgumentException.class, () -> Policy.read(f)).getMessage();
            assertTrue(m.contains(f + " line 3") && m.contains("frames 'zero' is not a number"), m);
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
