package io.zcnbrh.pcap;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes pcapng (draft-ietf-opsawg-pcapng): a section header, one Ethernet interface description with
 * nanosecond timestamps (if_tsresol = 9), then an enhanced packet block per frame. tcpdump and tshark read it.
 */
public final class PcapngWriter implements CaptureWriter {
    private final OutputStream out;
    private final int snapLength;
    private final ByteBuffer block = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    private static final byte[] PAD = new byte[4];

    private PcapngWriter(OutputStream out, int snapLength, String interfaceName) throws IOException {
        this.out = out;
        this.snapLength = snapLength;
        ByteBuffer shb = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        shb.putInt(0x0a0d0d0a).putInt(28).putInt(0x1a2b3c4d).putShort((short) 1).putShort((short) 0).putLong(-1)
            .putInt(28);
        out.write(shb.array());
        byte[] name = interfaceName.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int nameOpt = 4 + ((name.length + 3) & ~3);
        int length = 16 + nameOpt + 8 + 4 + 4; // header, if_name, if_tsresol, opt_endofopt, trailer
        ByteBuffer idb = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        idb.putInt(1).putInt(length).putShort((short) PcapWriter.LINKTYPE_ETHERNET).putShort((short) 0)
            .putInt(snapLength);
        idb.putShort((short) 2).putShort((short) name.length).put(name).put(new byte[nameOpt - 4 - name.length]);
        idb.putShort((short) 9).putShort((short) 1).put((byte) 9).put(new byte[3]); // if_tsresol: 10^-9
        idb.putShort((short) 0).putShort((short) 0);                                 // opt_endofopt
        idb.putInt(length);
        out.write(idb.array());
    }

    /** Creates (or replaces) {@code file}; {@code interfaceName} goes into the interface description. */
    public static PcapngWriter create(Path file, int snapLength, String interfaceName) throws IOException {
        return new PcapngWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), snapLength,
            interfaceName);
    }

    @Override
    public void write(long epochNanos, byte[] frame, int offset, int length, int wireLength) throws IOException {
        int captured = Math.min(length, snapLength);
        int padded = (captured + 3) & ~3;
        int total = 32 + padded;
        block.clear();
        block.putInt(6).putInt(total).putInt(0).putInt((int) (epochNanos >>> 32)).putInt((int) epochNanos)
            .putInt(captured).putInt(Math.max(wireLength, captured));
        out.write(block.array(), 0, 28);
        out.write(frame, offset, captured);
        out.write(PAD, 0, padded - captured);
        block.clear();
        block.putInt(total);
        out.write(block.array(), 0, 4);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
