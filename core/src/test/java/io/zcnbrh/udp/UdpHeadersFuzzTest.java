package io.zcnbrh.udp;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.zcnbrh.filter.FilterMatcher;
import io.zcnbrh.filter.PacketFilter;
import org.junit.jupiter.api.Tag;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UDP socket's parser faces whatever a peer puts on the wire: any bytes parse to a datagram that lies inside the
 * frame, or are refused, never an exception; a source the kernel would drop as martian (one posing as this host:
 * ::ffff:127.0.0.1 read as 127.0.0.1 was the fuzzer's first finding) is refused. And what the socket writes (IPv4 or IPv6, VLAN-tagged or not, any
 * sender, any payload up to a frame) is selected by the filter the socket's XDP program compiles for its address and
 * port, and parses back to the same sender, port and payload with both checksums right. Regression inputs:
 * src/test/resources/io/zcnbrh/udp/UdpHeadersFuzzTestInputs/.
 */
@Tag("unit")
class UdpHeadersFuzzTest {
    private static final int PORT = 9000;
    private static final InetSocketAddress V4 = bound("10.0.0.2");
    private static final InetSocketAddress V6 = bound("fd00::2");
    private static FilterMatcher v4Filter;
    private static FilterMatcher v6Filter;

    private static InetSocketAddress bound(String host) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), PORT);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The socket's own filters, run by the interpreter (made once: compiling per input would be the whole cost). */
    private static synchronized FilterMatcher filter(boolean v6) {
        if (v4Filter == null) {
            v4Filter = FilterMatcher.of(PacketFilter.compile(UdpSocket.filterFor(V4)), FilterMatcher.Engine.INTERP);
            v6Filter = FilterMatcher.of(PacketFilter.compile(UdpSocket.filterFor(V6)), FilterMatcher.Engine.INTERP);
        }
        return v6 ? v6Filter : v4Filter;
    }

    @FuzzTest(maxDuration = "20s")
    void anyBytesParseToADatagramInsideTheFrameOrAreRefused(FuzzedDataProvider data) {
        int port = data.consumeBoolean() ? 0 : data.consumeInt(0, 65535);
        byte[] bytes = data.consumeRemainingAsBytes();
        MemorySegment frame = MemorySegment.ofArray(bytes);
        UdpDatagram d = new UdpDatagram(new SenderCache());
        if (!UdpHeaders.parse(frame, bytes.length, port, d)) {
            return;
        }
        assertTrue(d.payloadOffset() >= UdpHeaders.ETH + UdpHeaders.IPV4 + UdpHeaders.UDP, "after the headers");
        assertTrue(d.payloadLength() >= 0 && d.payloadOffset() + d.payloadLength() <= bytes.length,
            "payload " + d.payloadOffset() + "+" + d.payloadLength() + " inside " + bytes.length + " bytes");
        d.payload(); // a slice inside the frame: throws if it is not
        assertTrue(d.sourcePort() >= 0 && d.sourcePort() <= 65535);
        assertEquals(d.ipv6() ? 16 : 4, d.sender().getAddress().getAddress().length);
    }

    @FuzzTest(maxDuration = "20s")
    void whatTheSocketWritesItsFilterSelectsAndItsParserReadsBack(FuzzedDataProvider data) throws Exception {
        boolean v6 = data.consumeBoolean();
        boolean tagged = data.consumeBoolean();
        int vlan = data.consumeInt(1, 4094);
        int srcPort = data.consumeInt(1, 65535);
        int id = data.consumeInt();
        byte[] srcIp = data.consumeBytes(v6 ? 16 : 4);
        if (srcIp.length != (v6 ? 16 : 4)) {
            return;
        }
        int headers = UdpHeaders.ETH + (v6 ? UdpHeaders.IPV6 : UdpHeaders.IPV4) + UdpHeaders.UDP;
        byte[] payload = data.consumeBytes(2048 - 4 - headers);
        byte[] buf = new byte[2048];
        MemorySegment f = MemorySegment.ofArray(buf);
        MemorySegment.copy(payload, 0, f, JAVA_BYTE, headers, payload.length);
        byte[] dstIp = (v6 ? V6 : V4).getAddress().getAddress();
        byte[] mac = {2, 0, 0, 0, 0, 1};
        int length = v6 ? UdpHeaders.writeIpv6(f, mac, mac, srcIp, dstIp, srcPort, PORT, payload.length)
            : UdpHeaders.writeIpv4(f, mac, mac, srcIp, dstIp, srcPort, PORT, payload.length, id);
        int ip = UdpHeaders.ETH;
        if (tagged) { // an 802.1Q tag after the MAC addresses: the rest moves 4 bytes on
            System.arraycopy(buf, 12, buf, 16, length - 12);
            buf[12] = (byte) 0x81;
            buf[13] = 0;
            buf[14] = (byte) (vlan >> 8);
            buf[15] = (byte) vlan;
            length += 4;
            ip += 4;
        }
        byte[] frame = java.util.Arrays.copyOf(buf, length);
        assertTrue(filter(v6).matches(frame), "the socket's filter selects what the socket writes");
        if (!v6) {
            assertEquals(0xffff, (int) (fold(UdpHeaders.sum(f, ip, UdpHeaders.IPV4, 0))), "IPv4 header checksum");
        }
        UdpDatagram d = new UdpDatagram(new SenderCache());
        boolean parsed = UdpHeaders.parse(MemorySegment.ofArray(frame), length, PORT, d);
        if (martian(srcIp)) { // the kernel drops these before any socket: so does the parser
            assertTrue(!parsed, "a datagram from " + java.util.Arrays.toString(srcIp) + " is refused");
            return;
        }
        assertTrue(parsed, "parsed back");
        assertEquals(srcPort, d.sourcePort());
        assertEquals(v6, d.ipv6());
        assertEquals(tagged ? vlan : -1, d.vlan());
        assertArrayEquals(srcIp, d.sender().getAddress().getAddress());
        assertEquals(payload.length, d.payloadLength());
        byte[] back = new byte[payload.length];
        MemorySegment.copy(MemorySegment.ofArray(frame), JAVA_BYTE, d.payloadOffset(), back, 0, back.length);
        assertArrayEquals(payload, back, "every byte of the payload");
    }

    /** The martian sources, by the rules the parser names, written out independently. */
    private static boolean martian(byte[] ip) throws UnknownHostException {
        InetAddress a = InetAddress.getByAddress(ip); // an IPv4-mapped IPv6 address comes back as Inet4Address
        if (ip.length == 16 && a instanceof java.net.Inet4Address) {
            return true;
        }
        int first = ip[0] & 0xff;
        return ip.length == 4 ? first == 0 || first == 127 || a.isMulticastAddress()
            || java.util.Arrays.equals(ip, new byte[] {-1, -1, -1, -1}) : a.isMulticastAddress() || a.isLoopbackAddress();
    }

    private static long fold(long sum) {
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return sum;
    }
}
