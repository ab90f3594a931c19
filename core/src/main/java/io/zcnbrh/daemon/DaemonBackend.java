package io.zcnbrh.daemon;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code zcnbrhd:} backend: AF_XDP through zcnbrhd, for an application without the privilege. */
public final class DaemonBackend implements Backend {
    @Override
    public String scheme() {
        return "zcnbrhd";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return DaemonClient.open(target, config);
    }

    @Override
    public String autoTarget(String ifname) {
        return ifname + "@0";
    }

    @Override
    public int autoRank() {
        return 20;
    }

    @Override
    public boolean servesOneQueue() {
        return true;
    }
}
