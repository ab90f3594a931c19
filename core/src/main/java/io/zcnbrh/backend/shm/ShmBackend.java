package io.zcnbrh.backend.shm;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code shm:} backend: two processes over a shared-memory ring in /dev/shm. */
public final class ShmBackend implements Backend {
    @Override
    public String scheme() {
        return "shm";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return ShmPort.open(target, config);
    }
}
