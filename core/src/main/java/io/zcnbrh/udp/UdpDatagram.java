package io.zcnbrh.udp;

import io.zcnbrh.Packet;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * One received UDP datagram, seen where it lies: in the frame the port received (the UMEM itself for AF_XDP), or in
 * the socket's buffer when the kernel stack delivered it. A view that {@link UdpSocket} reuses for every datagram:
 * valid only inside the handler it is given to; copy what must outlive it. Reading the payload in place
 * ({@link #frame()} at {@link #payloadOffset()}) and the source port allocates nothing; {@link #sender()} makes an
 * address object the first time an IPv4 sender is seen, and hands out the same one after that.
 */
public final class UdpDatagram {
    private MemorySegment frame;
    private int ipOffset;
    private boolean ipv6;
    private int vlan;
    private int sourcePort;
    private int payloadOffset;
    private int payloadLength;
    private InetSocketAddress kernelSender;
    private Packet packet;
    private final SenderCache senders;

    UdpDatagram() {
        this(null);
    }

    UdpDatagram(SenderCache senders) {
        this.senders = senders;
    }

    /** The port's packet whose frame holds this datagram, or null (delivered by the kernel, or copied out of a chain). */
    void packet(Packet p) {
        packet = p;
    }

    void frame(MemorySegment f, int ip, boolean v6, int vlanId, int srcPort, int payloadAt, int payloadBytes) {
        frame = f;
        ipOffset = ip;
        ipv6 = v6;
        vlan = vlanId;
        sourcePort = srcPort;
        payloadOffset = payloadAt;
        payloadLength = payloadBytes;
        kernelSender = null;
    }

    void fromKernel(MemorySegment buffer, int length, InetSocketAddress sender) {
        frame = buffer;
        ipOffset = -1;
        ipv6 = sender.getAddress() instanceof java.net.Inet6Address;
        vlan = -1;
        sourcePort = sender.getPort();
        payloadOffset = 0;
        payloadLength = length;
        kernelSender = sender;
        packet = null;
    }

    /**
     * The port's packet whose frame holds this datagram, or null when the kernel socket delivered it (or a
     * multi-buffer chain was read into one piece). {@code retain()} it to keep the frame past the handler, and give
     * it back with {@code port().release(packet)} on the socket's thread: how a framework wraps the frame itself.
     */
    public Packet packet() {
        return packet;
    }

    /** The memory the datagram lies in: the received frame, or (kernel-delivered) the socket's buffer. */
    public MemorySegment frame() {
        return frame;
    }

    /** Where the payload starts in {@link #frame()}. */
    public int payloadOffset() {
        return payloadOffset;
    }

    /** The payload's length in bytes. */
    public int payloadLength() {
        return payloadLength;
    }

    /** The payload as a segment of its own (a view: it allocates a small object; the bytes stay where they are). */
    public MemorySegment payload() {
        return frame.asSlice(payloadOffset, payloadLength);
    }

    /**
     * Copies as much of the payload as fits into {@code dst} (from its position on; heap or direct); returns how many
     * bytes. A read-only buffer is refused, as {@code ByteBuffer.put} refuses it.
     */
    public int copyPayload(ByteBuffer dst) {
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        int n = Math.min(payloadLength, dst.remaining());
        MemorySegment.copy(frame, payloadOffset, MemorySegment.ofBuffer(dst), 0, n); // the segment starts at position
        dst.position(dst.position() + n);
        return n;
    }

    /** The sender's UDP port. */
    public int sourcePort() {
        return sourcePort;
    }

    /** Whether the datagram came over IPv6. */
    public boolean ipv6() {
        return ipv6;
    }

    /** The VLAN id of the innermost tag, or -1 for an untagged frame. */
    public int vlan() {
        return vlan;
    }

    /** Whether the kernel stack delivered it (a fragmented datagram, or one the fast path left to the kernel). */
    public boolean fromKernel() {
        return kernelSender != null;
    }

    /** The sender's IPv4 address as an int (big-endian order, as on the wire); for an IPv4 datagram. */
    public int sourceIpv4() {
        if (ipv6) {
            throw new IllegalStateException("an IPv6 datagram: use sender()");
        }
        if (kernelSender != null) {
            return java.nio.ByteBuffer.wrap(kernelSender.getAddress().getAddress()).getInt();
        }
        return frame.get(UdpHeaders.BE32, ipOffset + 12);
    }

    /** The sender's address and port (from an IPv4 sender seen before: the same object as then). */
    public InetSocketAddress sender() {
        if (kernelSender != null) {
            return kernelSender;
        }
        if (!ipv6 && senders != null) {
            return senders.ipv4Sender(this, sourceIpv4(), sourcePort);
        }
        return newSender();
    }

    InetSocketAddress newSender() {
        byte[] a = new byte[ipv6 ? 16 : 4];
        MemorySegment.copy(frame, JAVA_BYTE, ipOffset + (ipv6 ? 8 : 12), a, 0, a.length);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(a), sourcePort);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four or sixteen bytes are always an address
        }
    }

    @Override
    public String toString() {
        return "UDP datagram of " + payloadLength + " bytes from " + sender() + (vlan >= 0 ? " on VLAN " + vlan : "")
            + (fromKernel() ? " (through the kernel stack)" : "");
    }
}
