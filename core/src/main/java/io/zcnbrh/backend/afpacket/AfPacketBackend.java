package io.zcnbrh.backend.afpacket;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code afpacket:} backend: AF_PACKET TPACKET rings on an interface. */
public final class AfPacketBackend implements Backend {
    @Override
    public String scheme() {
        return "afpacket";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return AfPacketPort.open(target, config);
    }

    @Override
    public String autoTarget(String ifname) {
        return ifname;
    }

    @Override
    public int autoRank() {
        return 40;
    }
}
