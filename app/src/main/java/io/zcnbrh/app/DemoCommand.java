package io.zcnbrh.app;

import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.backend.shm.ShmPort;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.traffic.TrafficLoops;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The demo: this process creates {@code shm:demo-PID} and sends sequenced frames; a second JVM attaches and
 * receives them zero-copy, checking order and content. Ends with {@code demo: backend=shm packets=N audit=ok}.
 */
@Command(name = "demo", description = "Receive UDP with AF_XDP on a veth pair it makes (or --backend shm: two processes).")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--backend", defaultValue = "afxdp", description = "afxdp (default) or shm")
    String backend;

    @Option(names = "--seconds", defaultValue = "3", description = "how long to send")
    double seconds;

    @Option(names = "--length", defaultValue = "64", description = "frame length in bytes")
    int length;

    @Option(names = "--filter", defaultValue = "udp dst port 9000",
        description = "afxdp: the tcpdump expression compiled into the XDP program (default: the demo's flow; "
            + "'' for every frame)")
    String filter;

    @Override
    public Integer call() throws Exception {
        return switch (backend) {
            case "afxdp" -> AfXdpDemo.run(seconds, filter);
            case "shm" -> shm();
            default -> {
                System.err.println("demo: unknown backend '" + backend + "' (afxdp or shm)");
                yield 2;
            }
        };
    }

    private int shm() throws Exception {
        String name = "demo-" + ProcessHandle.current().pid();
        PortConfig config = PortConfig.builder().ringSize(4096).frameCount(8192).txBatch(64)
            .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build();
        try (ShmPort port = ShmPort.open(name, config)) {
            System.out.println("demo: sender pid " + ProcessHandle.current().pid() + " created " + port.spec() + " ("
                + ShmPort.pathOf(name) + ", " + port.frames().frameCount() + " frames of "
                + port.frames().frameSize() + " B, memory on NUMA node(s) " + port.mapping().placement().keySet() + ")");
            Process receiver = JavaProcess.start(List.of("shm-receive", "--name", name));
            List<String> receiverOutput = new ArrayList<>();
            Thread pump = JavaProcess.pump(receiver, receiverOutput);
            if (!TrafficLoops.awaitPeer(port, 30_000_000_000L)) {
                receiver.destroyForcibly();
                System.out.println("demo: the receiver process did not attach within 30 s: " + receiverOutput);
                return 1;
            }
            System.out.println("demo: receiver pid " + receiver.pid() + " attached; sending " + length
                + "-byte frames for " + seconds + " s (64 per published batch)");
            long start = System.nanoTime();
            long sent = TrafficLoops.send(port, 0, Long.MAX_VALUE, length, (long) (seconds * 1e9));
            double elapsed = (System.nanoTime() - start) / 1e9;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (port.freeFrames() < port.ownFrames() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            AuditReport audit = port.audit();
            boolean home = port.freeFrames() == port.ownFrames();
            System.out.printf("demo: sent %d frames of %d B in %.2f s = %.2f Mpps, %.2f Gbit/s%n", sent, length,
                elapsed, sent / elapsed / 1e6, sent * length * 8 / elapsed / 1e9);
            System.out.println("demo: sender counters " + port.counters());
            System.out.println("demo: audit " + audit + ", frames home: " + port.freeFrames() + "/" + port.ownFrames());
            port.close();
            boolean exited = receiver.waitFor(30, TimeUnit.SECONDS);
            pump.join(5000);
            receiverOutput.forEach(l -> System.out.println("demo: " + l));
            boolean receiverOk = exited && receiver.exitValue() == 0
                && receiverOutput.stream().anyMatch(l -> l.startsWith("receiver: packets=" + sent + " "));
            if (!exited) {
                receiver.destroyForcibly();
            }
            boolean ok = audit.ok() && home && receiverOk;
            System.out.println("demo: backend=shm packets=" + sent + " audit=" + (ok ? "ok" : "FAILED"));
            return ok ? 0 : 1;
        }
    }
}
