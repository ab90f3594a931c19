package io.zcnbrh.backend.afpacket;

/**
 * Where a TPACKET version's frame header keeps the fields the TX ring uses (packet_mmap.rst): tp_status, tp_len,
 * tp_snaplen, and where the frame's data starts (tp_hdrlen - sizeof(struct sockaddr_ll), TPACKET_ALIGNed).
 */
enum TpacketHeader {
    /** struct tpacket2_hdr {tp_status, tp_len, tp_snaplen, ...}: 32 bytes. */
    V2(1, 0, 4, 8, 32),
    /** struct tpacket3_hdr {tp_next_offset, tp_sec, tp_nsec, tp_snaplen, tp_len, tp_status, ...}: 48 bytes. */
    V3(2, 20, 16, 12, 48);

    private final int version;
    private final int status;
    private final int length;
    private final int snapLength;
    private final int txData;

    TpacketHeader(int version, int status, int length, int snapLength, int txData) {
        this.version = version;
        this.status = status;
        this.length = length;
        this.snapLength = snapLength;
        this.txData = txData;
    }

    /** The PACKET_VERSION value (TPACKET_V2 = 1, TPACKET_V3 = 2). */
    int version() {
        return version;
    }

    int status() {
        return status;
    }

    int length() {
        return length;
    }

    int snapLength() {
        return snapLength;
    }

    /** Where a TX frame's data starts. */
    int txData() {
        return txData;
    }

    @Override
    public String toString() {
        return "TPACKET_" + name();
    }
}
