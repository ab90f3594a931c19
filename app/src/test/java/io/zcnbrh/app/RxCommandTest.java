package io.zcnbrh.app;

import org.junit.jupiter.api.Tag;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("kernel")
class RxCommandTest {
    /** Every backend answers rx --json with the same fields. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"afxdp:IFACE@0, afxdp, (copy|zerocopy)", "afpacket:IFACE, afpacket, tpacket_v3",
        "socket:raw:IFACE, socket, recvmmsg", "socket:udp:ADDR:9000, socket, recvmmsg",
        "iouring:raw:IFACE, iouring, multishot", "iouring:udp:ADDR:9000, iouring, multishot\\+send_zc",
        "auto:IFACE, afxdp, (copy|zerocopy)", "afpacket:IFACE --latency-mode, afpacket, tpacket_v2"})
    void rxJsonReportsWhatArrivedOnAVethPair(String pattern, String backend, String mode) throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            veth.withOuterAddress();
            String[] words = pattern.split(" "); // the spec, then options of its own (--latency-mode)
            String spec = words[0].replace("IFACE", veth.outer).replace("ADDR", veth.outerIp);
            CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() -> {
                // after the port is open (a UDP port's spec names its address, the others the interface)
                OpenPorts.await(spec.contains(":udp:") ? veth.outerIp : veth.outer);
                return UdpFlow.send(veth.netns, veth.outerIp, 9000, 2000, 64, TimeUnit.SECONDS.toNanos(5));
            });
            PrintStream old = System.out;
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            int rc;
            try {
                List<String> args = new ArrayList<>(List.of("rx", spec, "--seconds", "3", "--warmup", "0.5", "--json",
                    "--cpu", "0"));
                args.addAll(List.of(words).subList(1, words.length));
                rc = Main.run(args.toArray(String[]::new));
            } finally {
                System.setOut(old);
            }
            String out = buf.toString(StandardCharsets.UTF_8).strip();
            assertEquals(0, rc, out);
            assertEquals(2000, sender.get(10, TimeUnit.SECONDS));
            Matcher m = Pattern.compile("^\\{\"backend\":\"" + backend + "\",\"mode\":\"" + mode + "\",\"packets\":(\\d+),"
                + "\"bytes\":(\\d+),\"largest_packet\":(\\d+),\"seconds\":[0-9.]+,\"pps\":[0-9]+,\"drops\":(\\d+),"
                + "\"counters\":\\{[^}]*}}$")
                .matcher(out);
            assertTrue(m.find(), out);
            int g = mode.startsWith("(") ? 1 : 0; // a mode alternative is a group of its own
            long packets = Long.parseLong(m.group(1 + g));
            long drops = Long.parseLong(m.group(4 + g));
            // the largest packet: a 64-byte datagram is a 106-byte frame (a raw port) or itself (a UDP port); the
            // namespace's own IPv6 frames may be larger
            long largest = Long.parseLong(m.group(3 + g));
            assertTrue(largest >= (spec.contains(":udp:") ? 64 : 106), "largest packet: " + out);
            assertTrue(packets >= 2000 - drops && packets > 0, out);
            assertTrue(Long.parseLong(m.group(2 + g)) >= packets * 60, "bytes counted: " + out);
        }
    }
}
