package io.zcnbrh.traffic;

import io.zcnbrh.sys.NetNamespace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * A UDP flow of self-checking datagrams, sent through the kernel's ordinary socket path from inside a network
 * namespace (an independent sender for the receive tests, the demo and the benchmark). The payload is an 8-byte
 * sequence number and then byte {@code i} = {@code (byte) (seq + i)}. Offsets in a received Ethernet frame:
 * IPv4 without options, so the payload starts at byte 42.
 */
public final class UdpFlow {
    /** Where the UDP payload starts in an Ethernet/IPv4/UDP frame without IP options. */
    public static final int PAYLOAD_OFFSET = 42;
    private UdpFlow() {
    }

    /**
     * Sends {@code count} datagrams of {@code payload} bytes (at least 8) to {@code host:port} from namespace
     * {@code netns}, or until {@code maxNanos} pass; returns how many were sent.
     */
    public static long send(String netns, String host, int port, long count, int payload, long maxNanos) {
        return send(netns, host, port, count, payload, maxNanos, 1);
    }

    /**
     * As above, round-robin over {@code flows} sockets (each its own source port, so a multi-queue receiver sees
     * the flows spread by the sender's queue hash). Sequence numbers count across all flows.
     */
    public static long send(String netns, String host, int port, long count, int payload, long maxNanos, int flows) {
        return NetNamespace.call(netns, () -> {
            DatagramChannel[] channels = new DatagramChannel[flows];
            try {
                // unconnected: an ICMP "port unreachable" (nobody listening: the receiver reads raw frames) must
                // not stop the flow, and only connected UDP sockets report those
                InetSocketAddress to = new InetSocketAddress(host, port);
                for (int i = 0; i < flows; i++) {
                    channels[i] = DatagramChannel.open();
                    channels[i].bind(null);
                }
                ByteBuffer buf = ByteBuffer.allocateDirect(payload);
                MemorySegment seg = MemorySegment.ofBuffer(buf);
                long deadline = System.nanoTime() + maxNanos;
                long sent = 0;
                while (sent < count && ((sent & 0xff) != 0 || System.nanoTime() < deadline)) {
                    write(seg, sent, payload);
                    buf.clear();
                    channels[(int) (sent % flows)].send(buf, to);
                    sent++;
                }
                return sent;
            } catch (IOException e) {
                throw new UncheckedIOException("UDP sender in " + netns + ": " + e.getMessage(), e);
            } finally {
                for (DatagramChannel ch : channels) {
                    if (ch != null) {
                        ch.close();
                    }
                }
            }
        });
    }

    /** Writes payload {@code seq} of {@code length} bytes at {@code offset} of {@code packet} (no slice made). */
    public static void writeAt(MemorySegment packet, int offset, long seq, int length) {
        packet.set(JAVA_LONG_UNALIGNED, offset, seq);
        // eight pattern bytes per store: bytes i..i+7 are (byte) (seq + i + k), added byte by byte without carries
        // between them (SWAR); a transmit loop writes this for every packet
        long add = (seq & 0xff) * 0x0101010101010101L;
        long index = 0x0F0E0D0C0B0A0908L; // bytes 8..15 of the payload, little-endian
        int i = 8;
        for (; i + 8 <= length; i += 8) {
            packet.set(JAVA_LONG_UNALIGNED_LE, offset + i, bytewiseAdd(index, add));
            index = bytewiseAdd(index, 0x0808080808080808L);
        }
        for (; i < length; i++) {
            packet.set(JAVA_BYTE, offset + i, (byte) (seq + i));
        }
    }

    /** Adds the eight bytes of {@code a} and {@code b} pairwise, each modulo 256. */
    private static long bytewiseAdd(long a, long b) {
        return ((a & 0x7f7f7f7f7f7f7f7fL) + (b & 0x7f7f7f7f7f7f7f7fL)) ^ ((a ^ b) & 0x8080808080808080L);
    }

    private static final java.lang.foreign.ValueLayout.OfLong JAVA_LONG_UNALIGNED_LE =
        JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Writes payload {@code seq} of {@code length} bytes. */
    public static void write(MemorySegment payload, long seq, int length) {
        writeAt(payload, 0, seq, length);
    }

    /** The sequence number of the payload in an Ethernet frame. */
    public static long sequence(MemorySegment frame) {
        return frame.get(JAVA_LONG_UNALIGNED, PAYLOAD_OFFSET);
    }

    /** The sequence number of a payload starting at {@code offset} (0 for a datagram, 42 in a frame). */
    public static long sequenceAt(MemorySegment packet, int offset) {
        return packet.get(JAVA_LONG_UNALIGNED, offset);
    }

    /** Whether every payload byte after the sequence number matches it, for a payload at {@code offset}. */
    public static boolean payloadMatchesAt(MemorySegment packet, int offset, int length) {
        long seq = sequenceAt(packet, offset);
        for (int i = 8; i < length - offset; i++) {
            if (packet.get(JAVA_BYTE, offset + i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the frame is IPv4/UDP to {@code port} (EtherType 0x0800, protocol 17, no IP options). */
    public static boolean isFlow(MemorySegment frame, int length, int port) {
        return length >= PAYLOAD_OFFSET + 8
            && frame.get(JAVA_BYTE, 12) == 0x08 && frame.get(JAVA_BYTE, 13) == 0x00
            && frame.get(JAVA_BYTE, 14) == 0x45 && frame.get(JAVA_BYTE, 23) == 17
            && ((frame.get(JAVA_BYTE, 36) & 0xff) << 8 | (frame.get(JAVA_BYTE, 37) & 0xff)) == port;
    }

    /** Whether every payload byte after the sequence number matches it. */
    public static boolean payloadMatches(MemorySegment frame, int length) {
        long seq = sequence(frame);
        for (int i = 8; i < length - PAYLOAD_OFFSET; i++) {
            if (frame.get(JAVA_BYTE, PAYLOAD_OFFSET + i) != (byte) (seq + i)) {
                return false;
            }
        }
        return true;
    }
}
