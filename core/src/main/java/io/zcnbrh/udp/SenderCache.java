package io.zcnbrh.udp;

import java.net.InetSocketAddress;

/**
 * The senders' addresses a socket saw last, so that a datagram from a known IPv4 sender hands out the same
 * InetSocketAddress instead of a new one (a receive loop or a Netty pipeline asks for every datagram's sender; three
 * objects each time, measured). Direct-mapped by address and port: a collision replaces the entry. InetSocketAddress
 * is immutable, so sharing it is safe.
 */
final class SenderCache {
    private static final int SIZE = 1024;
    private final long[] keys = new long[SIZE];
    private final InetSocketAddress[] addresses = new InetSocketAddress[SIZE];

    /** The sender of IPv4 {@code d} from the cache, made (and kept) on a miss. */
    InetSocketAddress ipv4Sender(UdpDatagram d, int address, int port) {
        long key = 1L << 48 | (address & 0xffffffffL) << 16 | port; // never 0, the empty slot
        int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> 54); // the top 10 bits of a Fibonacci hash
        if (keys[slot] == key) {
            return addresses[slot];
        }
        InetSocketAddress a = d.newSender();
        keys[slot] = key;
        addresses[slot] = a;
        return a;
    }
}
