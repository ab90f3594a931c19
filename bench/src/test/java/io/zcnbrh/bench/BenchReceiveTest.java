package io.zcnbrh.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bench receive --quick --json: one object per receiver with the fields scripts rely on. */
@Tag("kernel")
class BenchReceiveTest {
    @Test
    void quickJsonHasOneLinePerReceiverWithTheRequiredFields() {
        BenchRun r = BenchRun.of("receive", "--quick", "--json", "--seconds", "0.5", "--rounds", "1");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        Pattern p = Pattern.compile("^\\{\"receiver\":\"([a-z_-]+)\",\"size\":64,\"mpps\":([0-9.]+),.*"
            + "\"offered_mpps\":([0-9.]+),\"generator_bound\":(true|false),.*\"ns_per_packet\":"
            + "([0-9.]+),.*\"alloc_bytes_per_packet\":([0-9.]+),\"ratio_vs_datagramchannel\":([0-9.]+),.*}$");
        for (String line : lines) {
            Matcher m = p.matcher(line);
            assertTrue(m.matches(), line);
            assertTrue(Double.parseDouble(m.group(2)) > 0, "packets arrived: " + line);
            assertTrue(Double.parseDouble(m.group(3)) > 0, "the generator's offered rate is reported: " + line);
            assertEquals(Double.parseDouble(m.group(2)) > 0.5 * Double.parseDouble(m.group(3)),
                Boolean.parseBoolean(m.group(4)), "generator-bound means more than half of what was offered: " + line);
            if (m.group(1).equals("jdk-datagramchannel")) {
                assertEquals(1.0, Double.parseDouble(m.group(7)), 1e-9);
            } else if (m.group(1).startsWith("zcnbrh")) {
                assertTrue(Double.parseDouble(m.group(6)) < 1, "no allocation per packet: " + line);
            }
        }
    }
}
