package io.zcnbrh.sys;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * rtnetlink messages as the kernel lays them out (netlink(7), rtnetlink(7)): attributes written are found again at
 * their 4-byte alignment, a nested or truncated attribute ends the search without reading past the message, and an
 * NLMSG_ERROR gives its errno.
 */
@Tag("unit")
class NetlinkTest {
    @Test
    void attributesAreWrittenAlignedAndFoundAgain() {
        MemorySegment m = Arena.ofAuto().allocate(128, 8);
        Netlink.header(m, (short) 26, Netlink.NLM_F_REQUEST);
        int at = Netlink.putAttr(m, Netlink.HEADER + 12, (short) 1, new byte[] {10, 0, 0, 1, 9}); // 5 bytes: padded
        assertEquals(Netlink.HEADER + 12 + 12, at, "4 + 5 bytes, aligned to 12");
        at = Netlink.putAttr(m, at, (short) 4, 7);
        m.set(JAVA_INT, 0, at);
        assertEquals(26, Netlink.type(m));
        assertEquals(at, Netlink.length(m));
        int dst = Netlink.findAttr(m, Netlink.HEADER + 12, at, 1);
        assertEquals(5, Netlink.attrLength(m, dst));
        assertEquals(9, m.get(JAVA_BYTE, dst + 4));
        int oif = Netlink.findAttr(m, Netlink.HEADER + 12, at, 4);
        assertEquals(7, m.get(JAVA_INT, oif));
        assertEquals(-1, Netlink.findAttr(m, Netlink.HEADER + 12, at, 5), "absent");
        assertEquals(0, Netlink.errno(m), "not an error message");
    }

    @Test
    void aBrokenAttributeEndsTheSearchAndAnErrorMessageGivesItsErrno() {
        MemorySegment m = Arena.ofAuto().allocate(64, 8);
        m.set(JAVA_SHORT, 28, (short) 2); // a length below the header's 4
        m.set(JAVA_SHORT, 30, (short) 1);
        assertEquals(-1, Netlink.findAttr(m, 28, 64, 1));
        m.set(JAVA_SHORT, 28, (short) 200); // past the end of the message
        assertEquals(-1, Netlink.findAttr(m, 28, 64, 1));
        m.set(JAVA_SHORT, 4, Netlink.NLMSG_ERROR);
        m.set(JAVA_INT, Netlink.HEADER, -2);
        assertEquals(2, Netlink.errno(m), "ENOENT, as a positive errno");
    }
}
