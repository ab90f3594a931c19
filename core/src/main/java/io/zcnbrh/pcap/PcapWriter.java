package io.zcnbrh.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes classic pcap files (the format tcpdump -w writes: a 24-byte file header, then a 16-byte record header
 * per frame), Ethernet link type, nanosecond timestamps (magic 0xa1b23c4d) so kernel timestamps keep their
 * precision.
 */
public final class PcapWriter implements CaptureWriter {
    /** LINKTYPE_ETHERNET. */
    public static final int LINKTYPE_ETHERNET = 1;
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    static final int MAGIC_NANOS = 0xa1b23c4d;

    private final OutputStream out;
    private final int snapLength;
    private final ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);

    private PcapWriter(OutputStream out, int snapLength) throws IOException {
        this.out = out;
        this.snapLength = snapLength;
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(MAGIC_NANOS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(snapLength)
            .putInt(LINKTYPE_ETHERNET);
        out.write(h.array());
    }

    /** Creates (or replaces) {@code file}. */
    public static PcapWriter create(Path file, int snapLength) throws IOException {
        return new PcapWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), snapLength);
    }

    /** Writes one frame seen at {@code epochNanos}, {@code wireLength} bytes long on the wire. */
    @Override
    public void write(long epochNanos, byte[] frame, int offset, int length, int wireLength) throws IOException {
        if (epochNanos < 0 || epochNanos / 1_000_000_000L > 0xffffffffL) {
            throw new IllegalArgumentException("pcap stores seconds in 32 bits (1970 to 2106); " + epochNanos
                + " ns is outside: write pcapng instead");
        }
        int captured = Math.min(length, snapLength);
        header.clear();
        header.putInt((int) (epochNanos / 1_000_000_000L)).putInt((int) (epochNanos % 1_000_000_000L))
            .putInt(captured).putInt(Math.max(wireLength, captured));
        out.write(header.array());
        out.write(frame, offset, captured);
    }

    /** Writes a whole frame. */
    public void write(long epochNanos, byte[] frame) throws IOException {
        write(epochNanos, frame, 0, frame.length, frame.length);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
