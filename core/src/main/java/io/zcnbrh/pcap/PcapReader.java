package io.zcnbrh.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads classic pcap files (either byte order, micro- or nanosecond timestamps) and pcapng files (section header,
 * interface description and enhanced/simple packet blocks, as tshark and tcpdump write them). Untrusted input:
 * every length is checked, and a bad file gets an error that says where and what.
 */
public final class PcapReader {
    /** One frame of the file, numbered from 1 in file order. */
    public record Frame(int number, long epochNanos, byte[] data, int wireLength) {
    }

    private static final int PCAPNG_SHB = 0x0a0d0d0a;
    private static final int MAX_FRAME = 256 * 1024;

    private PcapReader() {
    }

    /** Every frame of {@code file}. */
    public static List<Frame> read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Every frame of a capture held in {@code bytes}; {@code name} is for messages. */
    public static List<Frame> parse(byte[] bytes, String name) {
        if (bytes.length < 4) {
            throw new PcapFormatException(name + ": " + bytes.length + " bytes is too short for a capture file");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == PCAPNG_SHB) {
            return pcapng(b, name);
        }
        return classic(b, name);
    }

    private static List<Frame> classic(ByteBuffer b, String name) {
        int magic = b.getInt(0);
        boolean nanos;
        if (magic == PcapWriter.MAGIC_MICROS || magic == PcapWriter.MAGIC_NANOS) {
            nanos = magic == PcapWriter.MAGIC_NANOS;
        } else if (Integer.reverseBytes(magic) == PcapWriter.MAGIC_MICROS
            || Integer.reverseBytes(magic) == PcapWriter.MAGIC_NANOS) {
            b.order(ByteOrder.BIG_ENDIAN);
            nanos = Integer.reverseBytes(magic) == PcapWriter.MAGIC_NANOS;
        } else {
            throw new PcapFormatException(name + ": not a pcap or pcapng file (magic 0x" + Integer.toHexString(magic)
                + ")");
        }
        if (b.limit() < 24) {
            throw new PcapFormatException(name + ": the pcap file header is cut short");
        }
        int linkType = b.getInt(20) & 0x0fffffff;
        if (linkType != PcapWriter.LINKTYPE_ETHERNET) {
            throw new PcapFormatException(name + ": link type " + linkType + " is not Ethernet (1)");
        }
        List<Frame> frames = new ArrayList<>();
        int at = 24;
        while (at < b.limit()) {
            if (b.limit() - at < 16) {
                throw new PcapFormatException(name + ": frame " + (frames.size() + 1) + " at byte " + at
                    + ": record header cut short");
            }
            long sec = b.getInt(at) & 0xffffffffL;
            long frac = b.getInt(at + 4) & 0xffffffffL;
            int caplen = b.getInt(at + 8);
            int wirelen = b.getInt(at + 12);
            if (caplen < 0 || caplen > MAX_FRAME || caplen > b.limit() - at - 16) {
                throw new PcapFormatException(name + ": frame " + (frames.size() + 1) + " at byte " + at
                    + ": captured length " + Integer.toUnsignedString(caplen) + " runs past the file or the "
                    + MAX_FRAME + "-byte limit");
            }
            byte[] data = new byte[caplen];
            b.get(at + 16, data);
            frames.add(new Frame(frames.size() + 1, sec * 1_000_000_000L + (nanos ? frac : frac * 1000), data,
                Math.max(wirelen, caplen)));
            at += 16 + caplen;
        }
        return frames;
    }

    private static List<Frame> pcapng(ByteBuffer b, String name) {
        List<Frame> frames = new ArrayList<>();
        List<Long> ticksPerSecond = new ArrayList<>();
        int at = 0;
        while (at < b.limit()) {
            if (b.limit() - at < 12) {
                throw new PcapFormatException(name + ": pcapng block at byte " + at + " cut short");
            }
            int type = b.getInt(at);
            if (type == PCAPNG_SHB) {
                int bom = b.order(ByteOrder.LITTLE_ENDIAN).getInt(at + 8);
                b.order(bom == 0x1a2b3c4d ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                ticksPerSecond.clear();
            }
            int length = b.getInt(at + 4);
            if (length < 12 || length % 4 != 0 || length > b.limit() - at) {
                throw new PcapFormatException(name + ": pcapng block at byte " + at + " has a bad length "
                    + Integer.toUnsignedString(length));
            }
            int least = switch (type) { // pcapng spec: the fixed part of each block that carries frames
                case 1 -> 20;
                case 6 -> 32;
                case 3 -> 16;
                default -> 12;
            };
            if (length < least) {
                throw new PcapFormatException(name + ": pcapng block of type " + type + " at byte " + at + " is "
                    + length + " bytes, shorter than its fixed part (" + least + ")");
            }
            switch (type) {
                case 1 -> { // interface description: link type, and if_tsresol among the options
                    int linkType = b.getShort(at + 8) & 0xffff;
                    if (linkType != PcapWriter.LINKTYPE_ETHERNET) {
                        throw new PcapFormatException(name + ": interface " + ticksPerSecond.size() + " has link type "
                            + linkType + ", not Ethernet (1)");
                    }
                    ticksPerSecond.add(tsResolution(b, at + 16, at + length - 4));
                }
                case 6 -> { // enhanced packet
                    int iface = b.getInt(at + 8);
                    if (iface < 0 || iface >= ticksPerSecond.size()) {
                        throw new PcapFormatException(name + ": packet at byte " + at + " names interface " + iface
                            + ", which was not described");
                    }
                    long ts = (b.getInt(at + 12) & 0xffffffffL) << 32 | (b.getInt(at + 16) & 0xffffffffL);
                    int caplen = b.getInt(at + 20);
                    int wirelen = b.getInt(at + 24);
                    if (caplen < 0 || caplen > length - 32) {
                        throw new PcapFormatException(name + ": packet at byte " + at + ": captured length "
                            + Integer.toUnsignedString(caplen) + " runs past its block");
                    }
                    byte[] data = new byte[caplen];
                    b.get(at + 28, data);
                    long tps = ticksPerSecond.get(iface);
                    long nanos = tps == 1_000_000_000L ? ts : ts / tps * 1_000_000_000L + ts % tps * 1_000_000_000L / tps;
                    frames.add(new Frame(frames.size() + 1, nanos, data, Math.max(wirelen, caplen)));
                }
                case 3 -> { // simple packet
                    int wirelen = b.getInt(at + 8);
                    int caplen = Math.min(wirelen, length - 16);
                    if (caplen < 0) {
                        throw new PcapFormatException(name + ": simple packet at byte " + at + " is malformed");
                    }
                    byte[] data = new byte[caplen];
                    b.get(at + 12, data);
                    frames.add(new Frame(frames.size() + 1, 0, data, wirelen));
                }
                default -> {
                    // other blocks (statistics, name resolution, custom) carry no frames
                }
            }
            at += length;
        }
        return frames;
    }

    private static long tsResolution(ByteBuffer b, int from, int to) {
        int at = from;
        while (at + 4 <= to) {
            int code = b.getShort(at) & 0xffff;
            int len = b.getShort(at + 2) & 0xffff;
            if (code == 0) {
                break;
            }
            if (code == 9 && len >= 1 && at + 4 < to) {
                int r = b.get(at + 4) & 0xff;
                long tps = 1;
                int exp = r & 0x7f;
                for (int i = 0; i < exp && tps < 1_000_000_000_000L; i++) {
                    tps *= (r & 0x80) != 0 ? 2 : 10;
                }
                return Math.max(1, tps);
            }
            at += 4 + (len + 3 & ~3);
        }
        return 1_000_000; // microseconds by default
    }
}
