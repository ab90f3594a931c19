package io.zcnbrh.traffic;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Writes an Ethernet/IPv4/UDP frame (no IP options, UDP checksum 0 as IPv4 allows) around a payload already in
 * place at {@link UdpFlow#PAYLOAD_OFFSET}: for transmit tests and benchmarks that send through raw-frame ports.
 */
public final class UdpFrame {
    private UdpFrame() {
    }

    /** Fills the 42 header bytes of {@code frame} for a payload of {@code payload} bytes; returns the frame length. */
    public static int writeHeaders(MemorySegment frame, byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp,
                                   int srcPort, int dstPort, int payload) {
        MemorySegment.copy(dstMac, 0, frame, JAVA_BYTE, 0, 6);
        MemorySegment.copy(srcMac, 0, frame, JAVA_BYTE, 6, 6);
        frame.set(JAVA_BYTE, 12, (byte) 0x08);
        frame.set(JAVA_BYTE, 13, (byte) 0x00);
        int ip = 14;
        int total = 20 + 8 + payload;
        byte[] h = new byte[20];
        h[0] = 0x45;
        h[2] = (byte) (total >> 8);
        h[3] = (byte) total;
        h[6] = 0x40; // don't fragment
        h[8] = 64;
        h[9] = 17;
        System.arraycopy(srcIp, 0, h, 12, 4);
        System.arraycopy(dstIp, 0, h, 16, 4);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += (h[i] & 0xff) << 8 | (h[i + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = ~((sum & 0xffff) + (sum >>> 16)) & 0xffff;
        h[10] = (byte) (sum >> 8);
        h[11] = (byte) sum;
        MemorySegment.copy(h, 0, frame, JAVA_BYTE, ip, 20);
        int udp = ip + 20;
        frame.set(JAVA_BYTE, udp, (byte) (srcPort >> 8));
        frame.set(JAVA_BYTE, udp + 1, (byte) srcPort);
        frame.set(JAVA_BYTE, udp + 2, (byte) (dstPort >> 8));
        frame.set(JAVA_BYTE, udp + 3, (byte) dstPort);
        frame.set(JAVA_BYTE, udp + 4, (byte) ((8 + payload) >> 8));
        frame.set(JAVA_BYTE, udp + 5, (byte) (8 + payload));
        frame.set(JAVA_BYTE, udp + 6, (byte) 0);
        frame.set(JAVA_BYTE, udp + 7, (byte) 0);
        return UdpFlow.PAYLOAD_OFFSET + payload;
    }
}
