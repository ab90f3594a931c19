package io.zcnbrh.app;

import io.zcnbrh.pcap.PcapWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("kernel")
class FilterCommandTest {
    @TempDir
    Path dir;

    private static String[] cli(String... args) {
        CliRun r = CliRun.of(args);
        return new String[] {String.valueOf(r.exitCode()), r.out(), r.err()};
    }

    private static byte[] udp(int dport) {
        byte[] f = new byte[60];
        f[12] = 0x08;
        f[14] = 0x45;
        f[23] = 17;
        f[36] = (byte) (dport >> 8);
        f[37] = (byte) dport;
        return f;
    }

    @Test
    void matchPrintsTheNumbersOfMatchingFramesInBothEngines() throws Exception {
        Path pcap = dir.resolve("t.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, 65535)) {
            int[] ports = {53, 9000, 80, 9000, 9001, 9000};
            for (int i = 0; i < ports.length; i++) {
                w.write(i, udp(ports[i]));
            }
            w.write(7, new byte[] {1, 2, 3}); // frame 7: too short for the kernel's test run
        }
        for (String engine : new String[] {"kernel", "interp"}) {
            String[] r = cli("filter", "match", "udp dst port 9000", "-r", pcap.toString(), "--engine", engine);
            assertEquals("0", r[0], r[2]);
            assertEquals("2\n4\n6\n", r[1], engine);
        }
        String[] k = cli("filter", "match", "udp", "-r", pcap.toString(), "--engine", "kernel");
        assertTrue(k[2].contains("1 frame(s) shorter than 14 bytes were evaluated by the interpreter"), k[2]);
    }

    @Test
    void compilePrintsTheProgramAndErrorsShowWhere() {
        String[] r = cli("filter", "compile", "tcp port 22");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("call") && r[1].contains("xsks") && r[1].contains("exit"), r[1]);
        String[] bad = cli("filter", "compile", "tcp port x");
        assertEquals("1", bad[0]);
        assertTrue(bad[2].startsWith("zcnbrh: filter: expected a port number"), bad[2]);
        assertTrue(bad[2].contains("\n  tcp port x\n           ^"), bad[2]);
        String[] noFile = cli("filter", "match", "tcp", "-r", dir.resolve("none.pcap").toString());
        assertEquals("1", noFile[0]);
        assertTrue(noFile[2].startsWith("zcnbrh: no such file: ") && noFile[2].contains("none.pcap"), noFile[2]);
    }
}
