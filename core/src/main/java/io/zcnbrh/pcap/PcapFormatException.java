package io.zcnbrh.pcap;

/** A capture file that cannot be read: says which file, where, and what is wrong. */
public final class PcapFormatException extends IllegalArgumentException {
    public PcapFormatException(String message) {
        super(message);
    }
}
