package io.zcnbrh.udp;

/** Receives datagrams from {@link UdpSocket#receive(UdpDatagramHandler, int)}, one view at a time. */
@FunctionalInterface
public interface UdpDatagramHandler {
    /** One datagram; {@code d} is valid only during this call. */
    void onDatagram(UdpDatagram d);
}
