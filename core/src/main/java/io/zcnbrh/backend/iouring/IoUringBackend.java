package io.zcnbrh.backend.iouring;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code iouring:} backend: io_uring on a UDP or raw packet socket. */
public final class IoUringBackend implements Backend {
    @Override
    public String scheme() {
        return "iouring";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return IoUringPort.open(target, config);
    }

    @Override
    public String autoTarget(String ifname) {
        return "raw:" + ifname;
    }

    @Override
    public int autoRank() {
        return 30;
    }
}
