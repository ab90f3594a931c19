package io.zcnbrh.app;

import io.zcnbrh.DaemonOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.OpenFiles;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.zcnbrhd.DaemonLimits;
import io.zcnbrh.zcnbrhd.Grant;
import io.zcnbrh.zcnbrhd.Policy;
import io.zcnbrh.zcnbrhd.Zcnbrhd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local user with no grant floods zcnbrhd with connections that carry descriptors and then say nothing; before
 * the trust-boundary work the daemon kept every descriptor and a thread per connection until its descriptor limit
 * ended its accept loop for good. Now a granted tenant of another uid is served during and after the flood, and the
 * daemon holds none of the flooder's descriptors.
 */
@Timeout(300)
@Tag("kernel")
class DaemonFloodTest {
    private static final int ME = (int) new com.sun.security.auth.module.UnixSystem().getUid();

    private static long receive(Port port, long expected) {
        long got = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got < expected && System.nanoTime() < until) {
            Packet p = port.poll();
            if (p == null) {
                port.awaitPackets(100_000);
                continue;
            }
            got++;
            port.release(p);
        }
        return got;
    }

    @Test
    void aFloodOfDescriptorCarryingConnectionsFromAnotherUserStopsNobody() throws Exception {
        try (Unprivileged user = new Unprivileged();
             VethPair veth = new VethPair().withUdpPath()) {
            String sock = user.dir.resolve("zcnbrhd.sock").toString();
            DaemonLimits limits = new DaemonLimits(64, 16, Duration.ofSeconds(1), Duration.ofSeconds(30));
            try (Zcnbrhd daemon = Zcnbrhd.start(sock, Policy.of(Grant.parse(ME + ":" + veth.outer + "@0")), limits,
                    why -> { })) {
                Process flood = user.java(DaemonFlooder.class, sock, "6", "40");
                java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(
                    flood.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                assertEquals("flooding", lines.readLine());
                PortConfig config = PortConfig.builder().daemon(DaemonOptions.at(sock)).ringSize(256).frameCount(512).build();
                // during the flood: the granted tenant of another uid opens its queue and receives
                long duringSent;
                long duringGot;
                try (Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", config)) {
                    duringSent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 200, 64,
                        TimeUnit.MILLISECONDS.toNanos(200));
                    duringGot = receive(port, duringSent);
                }
                assertTrue(flood.isAlive(), "the flood lasted the whole time the tenant was served");
                String out = Unprivileged.finish(flood);
                assertEquals(duringSent, duringGot, "served during the flood");
                // after it: the daemon still accepts and serves, and kept none of the flooder's descriptors
                try (Port port = Zcnbrh.open("zcnbrhd:" + veth.outer + "@0", config)) {
                    long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 200, 64,
                        TimeUnit.MILLISECONDS.toNanos(200));
                    assertEquals(sent, receive(port, sent), "served after the flood");
                }
                assertEquals(0, OpenFiles.countOwn("memfd:zcnbrh-flood"), "descriptors the flooder sent are closed");
                assertNull(daemon.failure());
                assertTrue(out.matches("(?s).*made \\d{4,} connections.*"), out);
            }
        }
    }
}
