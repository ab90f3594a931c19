package io.zcnbrh.udp;

import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.filter.PacketFilter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UDP socket's headers: what it writes parses back, its checksums verify with a byte-by-byte RFC 1071 sum, VLAN
 * tags and IPv6 are read, fragments and other ports are refused, and its filter selects exactly its own datagrams.
 */
@Tag("unit")
class UdpHeadersTest {
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};
    private static final byte[] IP_A = {10, 9, 0, 1};
    private static final byte[] IP_B = {10, 9, 0, 2};

    /** RFC 1071, the slow and obvious way: 16-bit big-endian words, end-around carry. */
    private static int onesComplementSum(byte[] b, int from, int to, int start) {
        long sum = start;
        for (int i = from; i < to; i += 2) {
            sum += (b[i] & 0xff) << 8 | (i + 1 < to ? b[i + 1] & 0xff : 0);
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 7, 100, 1001, 1458})
    void anIpv4DatagramWrittenParsesBackAndItsChecksumsVerify(int payload) {
        MemorySegment f = Arena.ofAuto().allocate(1514);
        new Random(payload).ints(payload, 0, 256).forEach(new java.util.function.IntConsumer() {
            private int i;
            @Override
            public void accept(int v) {
                f.set(JAVA_BYTE, 42 + i++, (byte) v);
            }
        });
        int length = UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_A, IP_B, 9000, 7000, payload, 0x1234);
        assertEquals(42 + payload, length);
        byte[] b = f.asSlice(0, length).toArray(JAVA_BYTE);
        assertEquals(0xffff, onesComplementSum(b, 14, 34, 0), "the IPv4 header sums to all ones");
        int pseudo = (IP_A[0] & 0xff) << 8 | (IP_A[1] & 0xff);
        pseudo += (IP_A[2] & 0xff) << 8 | (IP_A[3] & 0xff);
        pseudo += (IP_B[0] & 0xff) << 8 | (IP_B[1] & 0xff);
        pseudo += (IP_B[2] & 0xff) << 8 | (IP_B[3] & 0xff);
        pseudo += 17 + 8 + payload;
        assertEquals(0xffff, onesComplementSum(b, 34, length, pseudo), "UDP with its pseudo-header sums to all ones");
        assertNotEquals(0, UdpHeaders.u16(f, 40), "a UDP checksum is sent, never 0");

        UdpDatagram d = new UdpDatagram();
        assertTrue(UdpHeaders.parse(f, length, 7000, d));
        assertEquals(9000, d.sourcePort());
        assertEquals(42, d.payloadOffset());
        assertEquals(payload, d.payloadLength());
        assertEquals(0x0a090001, d.sourceIpv4());
        assertEquals(-1, d.vlan());
        assertFalse(UdpHeaders.parse(f, length, 7001, d), "another port");
        assertFalse(UdpHeaders.parse(f, length - 1, 7000, d), "cut short");
    }

    @Test
    void vlanTagsIpv6AndFragmentsAreReadAsOnTheWire() throws Exception {
        MemorySegment f = Arena.ofAuto().allocate(1514);
        int length = UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_A, IP_B, 9000, 7000, 20, 1);
        // a tag inserted after the MAC addresses: 0x8100, VLAN 100
        MemorySegment tagged = Arena.ofAuto().allocate(1518);
        MemorySegment.copy(f, 0, tagged, 0, 12);
        tagged.set(JAVA_BYTE, 12, (byte) 0x81);
        tagged.set(JAVA_BYTE, 15, (byte) 100);
        MemorySegment.copy(f, 12, tagged, 16, length - 12);
        UdpDatagram d = new UdpDatagram();
        assertTrue(UdpHeaders.parse(tagged, length + 4, 7000, d));
        assertEquals(100, d.vlan());
        assertEquals(46, d.payloadOffset());
        assertEquals(new InetSocketAddress(InetAddress.getByAddress(IP_A), 9000), d.sender());

        f.set(JAVA_BYTE, 14 + 6, (byte) 0x20); // more fragments: the kernel reassembles, not us
        assertFalse(UdpHeaders.parse(f, length, 7000, d));

        byte[] a6 = InetAddress.getByName("fd00::1").getAddress();
        byte[] b6 = InetAddress.getByName("fd00::2").getAddress();
        int l6 = UdpHeaders.writeIpv6(f, MAC_B, MAC_A, a6, b6, 9000, 7000, 33);
        assertEquals(14 + 40 + 8 + 33, l6);
        assertTrue(UdpHeaders.parse(f, l6, 7000, d));
        assertTrue(d.ipv6());
        assertEquals(62, d.payloadOffset());
        assertEquals(new InetSocketAddress(InetAddress.getByName("fd00::1"), 9000), d.sender());
        byte[] b = f.asSlice(0, l6).toArray(JAVA_BYTE);
        int pseudo = onesComplementSum(b, 22, 54, 17 + 8 + 33);
        assertEquals(0xffff, onesComplementSum(b, 54, l6, pseudo), "the IPv6 UDP checksum verifies");
    }

    @Test
    void theSocketsFilterSelectsExactlyItsOwnWholeDatagrams() throws Exception {
        String expression = UdpSocket.filterFor(new InetSocketAddress(InetAddress.getByAddress(IP_B), 7000));
        Interpreter match = new Interpreter(ProgramType.XDP, PacketFilter.compile(expression).matchProgram());
        MemorySegment f = Arena.ofAuto().allocate(1514);
        int length = UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_A, IP_B, 9000, 7000, 64, 1);
        assertEquals(TestRunResult.XDP_DROP, match.run(f, length), "to its address and port (a match program says DROP): "
            + expression);
        UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_A, IP_B, 9000, 7001, 64, 1);
        assertEquals(TestRunResult.XDP_PASS, match.run(f, length), "another port");
        UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_B, IP_A, 9000, 7000, 64, 1);
        assertEquals(TestRunResult.XDP_PASS, match.run(f, length), "another address");
        UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_A, IP_B, 9000, 7000, 64, 1);
        f.set(JAVA_BYTE, 14 + 6, (byte) 0x20);
        assertEquals(TestRunResult.XDP_PASS, match.run(f, length), "a first fragment goes to the kernel too, with its other fragments");
        byte[] a6 = InetAddress.getByName("fd00::1").getAddress();
        byte[] b6 = InetAddress.getByName("fd00::2").getAddress();
        Interpreter match6 = new Interpreter(ProgramType.XDP, PacketFilter.compile(UdpSocket.filterFor(
            new InetSocketAddress(InetAddress.getByAddress(b6), 7000))).matchProgram());
        int l6 = UdpHeaders.writeIpv6(f, MAC_B, MAC_A, a6, b6, 9000, 7000, 40);
        assertEquals(TestRunResult.XDP_DROP, match6.run(f, l6), "IPv6 to its address and port");
        l6 = UdpHeaders.writeIpv6(f, MAC_B, MAC_A, a6, b6, 9000, 7002, 40);
        assertEquals(TestRunResult.XDP_PASS, match6.run(f, l6), "IPv6 to another port");
    }

    @Test
    void aKnownSenderIsTheSameObjectAndAKernelDatagramSaysWhereItCameFrom() throws Exception {
        MemorySegment f = Arena.ofAuto().allocate(1514);
        int length = UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_A, IP_B, 9000, 7000, 16, 1);
        UdpDatagram d = new UdpDatagram(new SenderCache());
        assertTrue(UdpHeaders.parse(f, length, 7000, d));
        InetSocketAddress first = d.sender();
        assertTrue(UdpHeaders.parse(f, length, 7000, d));
        org.junit.jupiter.api.Assertions.assertSame(first, d.sender(), "cached: no new address per datagram");
        UdpHeaders.writeIpv4(f, MAC_B, MAC_A, IP_B, IP_A, 9001, 7000, 16, 1);
        assertTrue(UdpHeaders.parse(f, length, 7000, d));
        assertEquals(new InetSocketAddress(InetAddress.getByAddress(IP_B), 9001), d.sender(), "another sender");
        assertFalse(d.fromKernel());
        assertTrue(d.payload().byteSize() == 16 && d.toString().contains("16 bytes"), d.toString());

        InetSocketAddress from = new InetSocketAddress(InetAddress.getByAddress(IP_A), 5555);
        MemorySegment delivered = Arena.ofAuto().allocate(40);
        for (int i = 0; i < 40; i++) {
            delivered.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i + 1));
        }
        d.fromKernel(delivered, 40, from);
        assertTrue(d.fromKernel());
        assertEquals(from, d.sender());
        assertEquals(0x0a090001, d.sourceIpv4());
        assertEquals(5555, d.sourcePort());
        assertEquals(null, d.packet(), "no frame behind a datagram the kernel delivered");
        assertTrue(d.toString().contains("kernel stack"), d.toString());
        java.nio.ByteBuffer heap = java.nio.ByteBuffer.allocate(64);
        assertEquals(40, d.copyPayload(heap));
        assertEquals(40, heap.position());
        assertEquals(24, d.copyPayload(heap), "as much as fits, after what is there");
        assertEquals(1, heap.get(0));
        assertEquals(1, heap.get(40));
        assertEquals(24, heap.get(63));
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(64);
        assertEquals(40, d.copyPayload(direct.slice(5, 50).position(2)), "a slice of a direct buffer, from its position");
        assertEquals(0, direct.get(6));
        assertEquals(1, direct.get(7));
        assertEquals(40, direct.get(46));
        org.junit.jupiter.api.Assertions.assertThrows(java.nio.ReadOnlyBufferException.class,
            () -> d.copyPayload(java.nio.ByteBuffer.allocate(64).asReadOnlyBuffer()));
    }
}
