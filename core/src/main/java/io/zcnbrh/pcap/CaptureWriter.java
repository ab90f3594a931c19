package io.zcnbrh.pcap;

import java.io.IOException;

/** A capture file being written: pcap or pcapng. */
public interface CaptureWriter extends AutoCloseable {
    /** Writes {@code length} bytes at {@code offset} of {@code frame}, seen at {@code epochNanos}, {@code wireLength} long. */
    void write(long epochNanos, byte[] frame, int offset, int length, int wireLength) throws IOException;

    @Override
    void close() throws IOException;
}
