package io.zcnbrh.app;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("kernel")
class DemoCommandTest {
    private static String run(String... args) {
        CliRun r = CliRun.of(args);
        System.out.println(r.out());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        return r.out();
    }

    @Test
    void afxdpDemoReceivesUdpOnItsOwnVethPairAndCleansUp() {
        String out = run("demo", "--seconds", "0.5");
        String[] lines = out.strip().split("\n");
        String last = lines[lines.length - 1];
        Matcher m = Pattern.compile("^demo: backend=afxdp mode=(copy|zerocopy) packets=(\\d+) audit=ok$").matcher(last);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(2)) > 0);
        assertTrue(out.contains("in order=ok, payload=ok"), out);
        String ns = out.replaceAll("(?s).*\\(namespace (\\S+)\\).*", "$1");
        assertTrue(!io.zcnbrh.netlab.VethPair.ip("netns", "list").contains(ns), "namespace " + ns + " removed");
    }

    @Test
    void shmDemoMovesPacketsBetweenTwoProcessesAndEndsWithTheSummaryLine() {
        String out = run("demo", "--backend", "shm", "--seconds", "0.5");
        Matcher m = Pattern.compile("(?m)^demo: backend=shm packets=(\\d+) audit=ok$").matcher(out);
        assertTrue(m.find(), out);
        long packets = Long.parseLong(m.group(1));
        assertTrue(packets > 0);
        assertTrue(out.contains("receiver: packets=" + packets + " order=ok content=ok"), out);
        String[] lines = out.strip().split("\n");
        assertTrue(lines[lines.length - 1].startsWith("demo: backend=shm"), "the summary is the last line");
    }

    @Test
    void topologyReportsNodeZeroPlacement() {
        String out = run("topology", "--node", "0");
        assertTrue(out.contains("placed on node 0"), out);
    }
}
