package io.zcnbrh.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bench latency --json: the percentiles of each client, the XDP reflector, JFR, and a wrong reflector refused. */
@Tag("kernel")
class BenchLatencyTest {
    @Test
    void everySubcommandHasHelp() {
        for (String c : new String[] {"receive", "transmit", "forward", "latency", "afxdp", "shm", "ring"}) {
            BenchRun r = BenchRun.of(c, "--help");
            assertEquals(0, r.exitCode(), c + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: zcnbrh bench " + c), c + ": " + r.out());
        }
        assertEquals(2, BenchRun.of("receive", "--no-such-option").exitCode(), "a usage error is 2");
        assertEquals(2, BenchRun.of("shm", "--receivers", "x").exitCode(), "an option of another benchmark is refused");
    }

    @Test
    void latencyJsonHasThePercentilesOfEachClient() {
        BenchRun r = BenchRun.of("latency", "--json", "--samples", "300", "--warmup-seconds", "0.2",
            "--receivers", "zcnbrh-afpacket-latency,jdk-datagramchannel,c-udp-busypoll");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[0].contains("TPACKET_V2"), "latency mode's AF_PACKET port takes frame slots: " + lines[0]);
        for (String l : lines) {
            assertTrue(l.matches("\\{\"client\":\"[a-z-]+\",\"samples\":300,\"p50_us\":[0-9.]+,\"p99_us\":[0-9.]+,"
                + "\"p999_us\":[0-9.]+,\"max_us\":[0-9.]+,\"alloc_bytes_per_rtt\":[0-9.]+,\"cpu_percent\":[0-9.]+,"
                + "\"lost\":0,\"reflector_p50_us\":[0-9.]+,\"reflector_p999_us\":[0-9.]+,\"mode\":\".+\"}"), l);
        }
    }

    @Test
    void latencyWithTheXdpReflectorHasNoUserSpaceReflectorFiguresAndJfrSaysWhatRanMeanwhile() throws Exception {
        java.nio.file.Path jfr = java.nio.file.Files.createTempFile("latency", ".jfr");
        BenchRun r = BenchRun.of("latency", "--json", "--samples", "300", "--warmup-seconds", "0.2",
            "--reflector", "xdp", "--receivers", "zcnbrh-afxdp-latency", "--jfr", jfr.toString());
        java.nio.file.Files.deleteIfExists(jfr);
        assertEquals(0, r.exitCode(), r.out() + r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(2, lines.length, r.out());
        assertTrue(lines[1].matches("\\{\"jfr_client\":\"zcnbrh-afxdp-latency\",\"compilations\":\\d+,\"compile_ms\":"
            + "[0-9.]+,\"longest_compile_ms\":[0-9.]+,\"gc_pauses\":\\d+,\"gc_ms\":[0-9.]+,\"safepoints\":\\d+}"),
            lines[1]);
        String line = lines[0];
        assertTrue(line.matches("\\{\"client\":\"zcnbrh-afxdp-latency\",\"samples\":300,.*\"lost\":0,"
            + "\"reflector_p50_us\":null,\"reflector_p999_us\":null,\"mode\":\".*latency mode.*\"}"), line);
        BenchRun bad = BenchRun.of("latency", "--reflector", "udp", "--receivers", "zcnbrh-afxdp");
        assertTrue(bad.exitCode() != 0 && bad.err().contains("reflector is socket or xdp"), bad.err());
    }
}
