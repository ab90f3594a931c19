package io.zcnbrh.backend.socket;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code socket:} backend: plain UDP or raw packet sockets. */
public final class SocketBackend implements Backend {
    @Override
    public String scheme() {
        return "socket";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return SocketPort.open(target, config);
    }

    @Override
    public String autoTarget(String ifname) {
        return "raw:" + ifname;
    }

    @Override
    public int autoRank() {
        return 50;
    }
}
