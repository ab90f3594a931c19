package io.zcnbrh.app;

import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.zcnbrhd.Grant;
import io.zcnbrh.zcnbrhd.Policy;
import io.zcnbrh.zcnbrhd.Zcnbrhd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Applications with no privilege at all (setpriv: uid 65534, no capabilities) receive through zcnbrhd (M14). */
@Tag("kernel")
class DaemonTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static boolean waitUntil(BooleanSupplier condition, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * SECOND;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static long packets(String out) {
        Matcher m = Pattern.compile("\"backend\":\"afxdp\".*\"packets\":(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    /** What the run counted as dropped (every cause rx sums into "drops"). */
    private static long drops(String out) {
        Matcher m = Pattern.compile("\"backend\":\"afxdp\".*\"drops\":(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static void assertNothingHeld(Zcnbrhd daemon, String ifname) throws InterruptedException {
        assertTrue(waitUntil(() -> daemon.liveClients() == 0 && daemon.interfaces() == 0, 10),
            "live " + daemon.liveClients() + ", interfaces " + daemon.interfaces());
        assertEquals(new Zcnbrhd.Holdings(0, 0), Zcnbrhd.holdings(), "every client UMEM closed and unmapped");
        assertEquals(0, XdpAttachment.state(ifname)[1], "the daemon's program left " + ifname);
    }

    /** Counts datagrams the kernel stack delivers to {@code port} on the outer address, on a thread of its own. */
    private static final class KernelSocket implements AutoCloseable {
        final AtomicLong received = new AtomicLong();
        private final DatagramChannel channel;
        private final Thread reader;

        KernelSocket(VethPair veth, int port) throws IOException {
            channel = DatagramChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.bind(new InetSocketAddress(veth.outerIp, port));
            reader = Thread.ofPlatform().daemon().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(2048);
                try {
                    while (channel.receive(b.clear()) != null) {
                        received.incrementAndGet();
                    }
                } catch (IOException closed) {
                    // the test is done
                }
            });
        }

        @Override
        public void close() throws Exception {
            channel.close();
            reader.join(2000);
        }
    }

    @Test
    void anUnprivilegedApplicationReceivesThroughTheDaemonAndNotWithout() throws Exception {
        try (Unprivileged user = new Unprivileged()) {
            String sock = user.dir.resolve("zcnbrhd.sock").toString();
            try (VethPair veth = new VethPair().withUdpPath();
                 Zcnbrhd daemon = Zcnbrhd.start(sock, Policy.of(new Grant(Unprivileged.UID, veth.outer, 0)))) {
                // auto: AF_XDP directly is refused (no privilege), so it takes the daemon, and says why
                Process app = user.zcnbrh("rx", "auto:" + veth.outer, "--daemon-socket", sock, "--seconds", "4",
                    "--warmup", "0", "--json", "--filter", "udp dst port 9000");
                assertTrue(waitUntil(() -> daemon.liveClients() == 1 || !app.isAlive(), 20), "went live");
                long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 1000, 64, 2 * SECOND);
                String out = Unprivileged.finish(app);
                assertEquals(0, app.exitValue(), out);
                assertEquals(sent, packets(out) + drops(out), "every datagram received or counted: " + out);
                assertTrue(out.contains("auto: zcnbrhd:" + veth.outer + "@0") && out.contains("afxdp:" + veth.outer
                    + ": ") && out.contains("EPERM"), "auto names the daemon and why AF_XDP was not taken: " + out);

                // not granted: queue 1 is refused with the reason, nothing handed over
                Process refused = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@1", "--daemon-socket", sock,
                    "--seconds", "1", "--json");
                String r = Unprivileged.finish(refused);
                assertEquals(1, refused.exitValue(), r);
                assertTrue(r.contains("zcnbrhd refused") && r.contains("no grant") && r.contains("65534:"
                    + veth.outer + "@1"), r);
                assertNothingHeld(daemon, veth.outer);
            }
            // without the daemon: the same application fails with a message that names it
            Process none = user.zcnbrh("rx", "zcnbrhd:lo@0", "--daemon-socket", sock, "--seconds", "1");
            String n = Unprivileged.finish(none);
            assertEquals(1, none.exitValue(), n);
            assertTrue(n.contains("needs the zcnbrhd daemon") && n.contains("no zcnbrhd listens there"), n);
            // and AF_XDP directly, without the daemon, is refused for lack of privilege
            Process direct = user.zcnbrh("rx", "afxdp:lo@0", "--seconds", "1");
            String d = Unprivileged.finish(direct);
            assertEquals(1, direct.exitValue(), d);
            assertTrue(d.contains("EPERM"), d);
        }
    }

    @Test
    void aGrantsFilterDecidesWhatTheTenantSeesItsFrameLimitAndTheQueueAreEnforced() throws Exception {
        try (Unprivileged user = new Unprivileged();
             VethPair veth = new VethPair().withUdpPath().withOuterAddress();
             KernelSocket kernel9001 = new KernelSocket(veth, 9001)) {
            String sock = user.dir.resolve("zcnbrhd.sock").toString();
            Policy policy = Policy.of(Grant.parse(Unprivileged.UID + ":" + veth.outer + "@0 filter=udp dst port 9000"),
                Grant.parse(Unprivileged.UID + ":" + veth.outer + "@1 frames=1024"));
            try (Zcnbrhd daemon = Zcnbrhd.start(sock, policy)) {
                Process tenant = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                    "--seconds", "5", "--warmup", "0", "--json");
                assertTrue(waitUntil(() -> daemon.liveClients() == 1 || !tenant.isAlive(), 20), "went live");
                // the queue is one tenant's: a second client for it is refused, and says who has it
                Process second = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                    "--seconds", "1");
                String s = Unprivileged.finish(second);
                assertEquals(1, second.exitValue(), s);
                assertTrue(s.contains(veth.outer + "@0 is taken by pid"), s);
                // a grant's frame limit: the default 16384-frame UMEM is more than frames=1024 allows
                Process big = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@1", "--daemon-socket", sock,
                    "--seconds", "1");
                String b = Unprivileged.finish(big);
                assertEquals(1, big.exitValue(), b);
                assertTrue(b.contains("allows 1024 frames for uid:65534 in all") && b.contains("asked for "
                    + 2 * io.zcnbrh.PortConfig.DEFAULT_RING_SIZE), b);

                long sent9000 = UdpFlow.send(veth.netns, veth.outerIp, 9000, 400, 64, SECOND);
                long sent9001 = UdpFlow.send(veth.netns, veth.outerIp, 9001, 400, 64, SECOND);
                String out = Unprivileged.finish(tenant);
                assertEquals(0, tenant.exitValue(), out);
                long got = packets(out);
                assertEquals(sent9000, got + drops(out),
                    "the tenant sees exactly what its grant's filter lets through, or counts it: " + out);
                assertTrue(waitUntil(() -> kernel9001.received.get() == sent9001, 5),
                    "the rest of its queue went to the kernel stack: " + kernel9001.received + " of " + sent9001);
                assertNothingHeld(daemon, veth.outer);
            }
        }
    }

    @Test
    void afterKillMinus9NothingIsLeakedAndTwoTenantsSeeOnlyTheirOwnQueues() throws Exception {
        try (Unprivileged user = new Unprivileged();
             VethPair veth = new VethPair(2).withUdpPath()) {
            String sock = user.dir.resolve("zcnbrhd.sock").toString();
            try (Zcnbrhd daemon = Zcnbrhd.start(sock, Policy.of(Grant.parse(Unprivileged.UID + ":" + veth.outer
                + "@*")))) {
                // the victim's flow goes to port 9001, the later one to 9000: each tenant's filter counts only its own
                Process victim = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                    "--seconds", "60", "--json", "--filter", "udp dst port 9001");
                Process b = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@1", "--daemon-socket", sock,
                    "--seconds", "12", "--warmup", "0", "--json", "--filter", "udp dst port 9000");
                assertTrue(waitUntil(() -> daemon.liveClients() == 2, 30), "both live: " + daemon.liveClients());
                assertEquals(new Zcnbrhd.Holdings(2, 2), Zcnbrhd.holdings(), "one UMEM per tenant in the daemon");
                UdpFlow.send(veth.netns, veth.outerIp, 9001, 500, 64, SECOND, 16);
                victim.destroyForcibly(); // SIGKILL mid-stream
                assertTrue(victim.waitFor(10, TimeUnit.SECONDS));
                assertTrue(waitUntil(() -> daemon.liveClients() == 1, 10), "the daemon noticed the killed client");
                // the audit: the victim's UMEM is closed and unmapped in the daemon; the other tenant's is untouched
                assertTrue(waitUntil(() -> Zcnbrhd.holdings().equals(new Zcnbrhd.Holdings(1, 1)), 5),
                    "after the kill: " + Zcnbrhd.holdings());
                // queue 0 is free again (a stale socket would make the bind fail with EBUSY)
                Process a = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                    "--seconds", "5", "--warmup", "0", "--json", "--filter", "udp dst port 9000");
                assertTrue(waitUntil(() -> daemon.liveClients() == 2 || !a.isAlive(), 20), "the new one went live");
                long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 2000, 64, 2 * SECOND, 16);
                String outA = Unprivileged.finish(a);
                String outB = Unprivileged.finish(b);
                assertEquals(0, a.exitValue(), outA);
                assertEquals(0, b.exitValue(), outB);
                long pa = packets(outA);
                long pb = packets(outB);
                assertTrue(pa > 0 && pb > 0, "both queues carry the 16 flows: " + outA + outB);
                // each frame of the flow reached exactly one tenant (or a counted drop): none both, none lost
                assertEquals(sent, pa + pb + drops(outA) + drops(outB), outA + outB);
                assertNothingHeld(daemon, veth.outer);
            }
        }
    }

    @Test
    void whenTheDaemonStopsOrIsKilledRunningApplicationsGetAClearErrorAndARestartedDaemonServesAgain()
        throws Exception {
        try (Unprivileged user = new Unprivileged();
             VethPair veth = new VethPair().withUdpPath()) {
            String sock = user.dir.resolve("zcnbrhd.sock").toString();
            String grant = Unprivileged.UID + ":" + veth.outer + "@0";
            // a daemon process of its own, killed with SIGKILL while a client receives
            List<String> log = new ArrayList<>();
            Process daemonProcess = JavaProcess.start(List.of("daemon", "--socket", sock, "--allow", grant,
                "--metrics-port", "0"));
            JavaProcess.pump(daemonProcess, log);
            try {
                assertTrue(waitUntil(() -> contains(log, "listening on"), 30), "daemon up: " + log);
                Process app = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                    "--seconds", "60", "--quiet");
                assertTrue(waitUntil(() -> contains(log, "receives on") || !app.isAlive(), 30), "live: " + log);
                assertTrue(XdpAttachment.state(veth.outer)[1] != 0, "the daemon's program is attached");
                // the daemon's own endpoint counts the tenant; the tenant's port is on the dashboard (its counters
                // file, written by the unprivileged process itself)
                String endpoint = log.stream().filter(l -> l.contains("metrics on ")).findFirst().orElseThrow()
                    .replaceAll(".*metrics on (\\S+).*", "$1");
                String scraped = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(endpoint)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(scraped.contains("zcnbrhd_live_tenants 1.0"), scraped);
                assertTrue(waitUntil(() -> {
                    try {
                        return io.zcnbrh.stat.CountersFile.readAll().stream().anyMatch(f -> f.alive()
                            && f.spec().endsWith(veth.outer + "@0") && f.owner().equals("rx")
                            && f.mode().contains("daemon that passed the socket"));
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }, 10), "the tenant's port published its counters for stat and the dashboard: "
                    + io.zcnbrh.stat.CountersFile.readAll() + "; " + app.isAlive());
                daemonProcess.destroyForcibly();
                assertTrue(daemonProcess.waitFor(10, TimeUnit.SECONDS));
                assertTrue(app.waitFor(15, TimeUnit.SECONDS), "the application did not hang");
                String out = Unprivileged.finish(app);
                assertEquals(1, app.exitValue(), out);
                assertTrue(out.contains("the zcnbrhd connection ended (the daemon stopped or restarted)"), out);
                // the program was attached through a BPF link, so it went with the killed daemon
                assertTrue(waitUntil(() -> XdpAttachment.state(veth.outer)[1] == 0, 5), "no program left behind");
            } finally {
                daemonProcess.destroyForcibly();
            }
            // a restarted daemon (here in this JVM) serves a new application; stopping it tells that one too
            try (Zcnbrhd daemon = Zcnbrhd.start(sock, Policy.of(Grant.parse(grant)))) {
                Process app = user.zcnbrh("rx", "zcnbrhd:" + veth.outer + "@0", "--daemon-socket", sock,
                    "--seconds", "60", "--warmup", "0", "--quiet");
                assertTrue(waitUntil(() -> daemon.liveClients() == 1 || !app.isAlive(), 20), "went live");
                daemon.close(); // an orderly stop: the client's connection ends, its queue is freed
                assertTrue(app.waitFor(15, TimeUnit.SECONDS), "the application did not hang");
                String out = Unprivileged.finish(app);
                assertEquals(1, app.exitValue(), out);
                assertTrue(out.contains("the zcnbrhd connection ended"), out);
                assertNothingHeld(daemon, veth.outer);
            }
        }
    }

    private static boolean contains(List<String> log, String text) {
        synchronized (log) {
            return log.stream().anyMatch(l -> l.contains(text));
        }
    }
}
