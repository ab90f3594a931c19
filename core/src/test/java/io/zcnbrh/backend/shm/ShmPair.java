package io.zcnbrh.backend.shm;

import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;

import java.util.concurrent.atomic.AtomicLong;

/** Both sides of one shm port in this JVM, with a unique name, for tests. */
public final class ShmPair implements AutoCloseable {
    private static final AtomicLong SEQ = new AtomicLong();
    final String name;
    final ShmPort a;
    final ShmPort b;

    ShmPair(PortConfig config) {
        this(config, config);
    }

    ShmPair(PortConfig configA, PortConfig configB) {
        name = uniqueName();
        a = ShmPort.open(name, rebuild(configA, ShmOptions.Role.CREATE));
        ShmPort attached;
        try {
            attached = ShmPort.open(name, rebuild(configB, ShmOptions.Role.ATTACH));
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
        b = attached;
    }

    public static String uniqueName() {
        return "test-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    }

    private static PortConfig rebuild(PortConfig c, ShmOptions.Role role) {
        return PortConfig.builder().ringSize(c.ringSize()).frameCount(c.frameCount()).frameSize(c.frameSize())
            .headroom(c.headroom()).ownershipMode(c.ownershipMode()).creditBudget(c.creditBudget())
            .backpressure(c.backpressure()).blockTimeout(c.blockTimeout()).txBatch(c.txBatch()).program(c.program())
            .shm(ShmOptions.defaults().withRole(role)).build();
    }

    /** Every frame of the region is held by one side or in flight on one ring: the cross-process conservation. */
    int accountedFrames() {
        return a.heldLocally() + b.heldLocally() + a.inFlightToPeer() + b.inFlightToPeer();
    }

    @Override
    public void close() {
        try {
            b.close();
        } finally {
            a.close();
        }
    }
}
