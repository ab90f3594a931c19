package io.zcnbrh.app;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RxCommandTest {
    @Test
    void rxJsonReportsWhatArrivedOnAVethPair() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() -> {
                try {
                    Thread.sleep(700); // after the port is open
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return UdpFlow.send(veth.netns, VethPair.OUTER_IP, 9000, 2000, 64, TimeUnit.SECONDS.toNanos(5));
            });
            PrintStream old = System.out;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            int rc;
            try {
                rc = Main.run("rx", "afxdp:" + veth.outer + "@0", "--seconds", "3", "--warmup", "0.5", "--json", "--cpu", "0");
            } finally {
                System.setOut(old);
            }
            String out = buf.toString(StandardCharsets.UTF_8).strip();
            assertEquals(0, rc, out);
            assertEquals(2000, sender.get(10, TimeUnit.SECONDS));
            Matcher m = Pattern.compile("^\\{\"backend\":\"afxdp\",\"mode\":\"(copy|zerocopy)\",\"packets\":(\\d+),"
                + "\"bytes\":(\\d+),\"seconds\":[0-9.]+,\"pps\":[0-9]+,\"drops\":(\\d+)}$").matcher(out);
            assertTrue(m.find(), out);
            long packets = Long.parseLong(m.group(2));
            long drops = Long.parseLong(m.group(4));
            assertTrue(packets >= 2000 - drops && packets > 0, out);
            assertTrue(Long.parseLong(m.group(3)) >= packets * 60, "bytes counted: " + out);
        }
    }
}
