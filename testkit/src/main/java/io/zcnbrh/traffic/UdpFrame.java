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
        // written in place and summed from the frame: no scratch array, so a sender's hot loop allocates nothing
        for (int i = 0; i < 20; i++) {
            frame.set(JAVA_BYTE, ip + i, (byte) 0); // a reused frame's old header goes
        }
        frame.set(JAVA_BYTE, ip, (byte) 0x45);
        frame.set(JAVA_BYTE, ip + 2, (byte) (total >> 8));
        frame.set(JAVA_BYTE, ip + 3, (byte) total);
        frame.set(JAVA_BYTE, ip + 6, (byte) 0x40); // don't fragment
        frame.set(JAVA_BYTE, ip + 8, (byte) 64);
        frame.set(JAVA_BYTE, ip + 9, (byte) 17);
        MemorySegment.copy(srcIp, 0, frame, JAVA_BYTE, ip + 12, 4);
        MemorySegment.copy(dstIp, 0, frame, JAVA_BYTE, ip + 16, 4);
        int sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += (frame.get(JAVA_BYTE, ip + i) & 0xff) << 8 | (frame.get(JAVA_BYTE, ip + i + 1) & 0xff);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = ~((sum & 0xffff) + (sum >>> 16)) & 0xffff;
        frame.set(JAVA_BYTE, ip + 10, (byte) (sum >> 8));
        frame.set(JAVA_BYTE, ip + 11, (byte) sum);
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
