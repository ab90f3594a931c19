package io.zcnbrh.backend.afxdp;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code afxdp:} backend: AF_XDP on an interface queue. */
public final class AfXdpBackend implements Backend {
    @Override
    public String scheme() {
        return "afxdp";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return AfXdpPort.open(target, config);
    }

    @Override
    public String autoTarget(String ifname) {
        return ifname;
    }

    @Override
    public int autoRank() {
        return 10;
    }

    @Override
    public boolean servesOneQueue() {
        return true;
    }
}
