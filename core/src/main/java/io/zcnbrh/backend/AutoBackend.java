package io.zcnbrh.backend;

import io.zcnbrh.Backend;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;

/** The {@code auto:} backend: the best backend that works on an interface. */
public final class AutoBackend implements Backend {
    @Override
    public String scheme() {
        return "auto";
    }

    @Override
    public Port open(String target, PortConfig config) {
        return AutoPort.open(target, config).port();
    }
}
