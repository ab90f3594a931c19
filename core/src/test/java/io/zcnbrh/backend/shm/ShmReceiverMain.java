package io.zcnbrh.backend.shm;

import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.traffic.SequenceChecker;
import io.zcnbrh.traffic.TrafficLoops;

/** The receiving process of {@link TwoProcessShmTest}: attaches, checks every frame, prints one line, exits. */
public final class ShmReceiverMain {
    private ShmReceiverMain() {
    }

    /** {@code args[0]}: port name; {@code args[1]}: packets expected. */
    public static void main(String[] args) {
        try (ShmPort port = ShmPort.open(args[0], PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH)).build())) {
            SequenceChecker checker = new SequenceChecker();
            TrafficLoops.receive(port, checker, Long.parseLong(args[1]), 20_000_000_000L);
            System.out.println("RESULT " + checker + " invalid=" + port.counters().get(io.zcnbrh.Counter.INVALID_DESCRIPTORS)
                + " audit=" + (port.audit().ok() ? "ok" : port.audit().toString()));
        }
    }
}
