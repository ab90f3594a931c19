package io.zcnbrh.app;

import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.backend.shm.ShmPort;
import io.zcnbrh.traffic.SequenceChecker;
import io.zcnbrh.traffic.TrafficLoops;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** The receiving process of the demo: attaches to a shm port, checks every frame, prints one summary line. */
@Command(name = "shm-receive", description = "Attach to shm:NAME, receive and check sequenced frames until the sender closes.")
public final class ShmPeerCommand implements Callable<Integer> {
    @Option(names = "--name", required = true, description = "shm port name")
    String name;

    @Option(names = "--quiet-seconds", defaultValue = "10", description = "give up after this long without packets")
    int quietSeconds;

    @Option(names = "--order-only", description = "check order only, not every byte (for benchmarks)")
    boolean orderOnly;

    @Override
    public Integer call() {
        PortConfig config = PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH)).build();
        try (ShmPort port = ShmPort.open(name, config)) {
            SequenceChecker checker = new SequenceChecker(!orderOnly);
            TrafficLoops.receive(port, checker, -1, quietSeconds * 1_000_000_000L);
            System.out.println("receiver: " + checker + " audit=" + (port.audit().ok() ? "ok" : port.audit())
                + " " + port.counters());
            System.out.flush();
            return checker.ok() && port.audit().ok() ? 0 : 1;
        }
    }
}
