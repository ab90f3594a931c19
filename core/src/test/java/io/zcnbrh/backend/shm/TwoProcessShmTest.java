package io.zcnbrh.backend.shm;

import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.traffic.TrafficLoops;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two JVMs, ten million packets with sequence numbers over shm: order and content checked on every one. */
@Tag("unit")
public class TwoProcessShmTest {
    private static final long COUNT = 10_000_000;

    public static Process startJava(Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        // the coverage agent, if this JVM has one: the library code the child runs counts too (appended, locked)
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("-javaagent:") && a.contains("jacoco")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void tenMillionPacketsCrossBetweenTwoProcessesInOrderAndIntact() throws Exception {
        String name = ShmPair.uniqueName();
        PortConfig config = PortConfig.builder().ringSize(1024).frameCount(4096)
            .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build();
        try (ShmPort sender = ShmPort.open(name, config)) {
            Process receiver = startJava(ShmReceiverMain.class, name, Long.toString(COUNT));
            try {
                long sent = TrafficLoops.send(sender, 0, COUNT, 64, TimeUnit.SECONDS.toNanos(120));
                assertEquals(COUNT, sent);
                assertTrue(receiver.waitFor(60, TimeUnit.SECONDS), "receiver finished");
                String out;
                try (BufferedReader r = new BufferedReader(new InputStreamReader(receiver.getInputStream()))) {
                    out = String.join("\n", r.lines().toList());
                }
                assertTrue(out.contains("RESULT packets=" + COUNT + " order=ok content=ok invalid=0 audit=ok"), out);
                assertEquals(0, receiver.exitValue(), out);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (sender.freeFrames() < sender.ownFrames() && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertEquals(sender.ownFrames(), sender.freeFrames(), "every frame came home");
                AuditReport audit = sender.audit();
                assertTrue(audit.ok(), audit.toString());
            } finally {
                receiver.destroyForcibly();
            }
        }
    }
}
