package io.zcnbrh.app;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code zcnbrh tx SPEC --to IP:PORT}: sends sequenced UDP datagrams through a port's batch transmit path (claim
 * 64, write in place, transmit with one kick; see {@link Transmitter}), at a rate or as fast as it goes. Frame ports get Ethernet/IPv4/UDP frames built around the
 * payload; UDP-flow ports send the payload to their peer.
 */
@Command(name = "tx", description = "Send sequenced UDP datagrams through a port (rate, size, count, destination).")
public final class TxCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the port, e.g. afxdp:eth1@0, afpacket:eth1, socket:udp:A:P->B:Q")
    String spec;

    @Option(names = "--to", description = "destination IPv4:PORT (frame ports)")
    String to;

    @Option(names = "--from", description = "source IPv4:PORT (frame ports; default 0.0.0.0:9000)")
    String from = "0.0.0.0:9000";

    @Option(names = "--dst-mac", description = "destination MAC (frame ports; default broadcast)")
    String dstMac = "ff:ff:ff:ff:ff:ff";

    @Option(names = "--src-mac", description = "source MAC (frame ports; default 02:00:00:00:00:01)")
    String srcMac = "02:00:00:00:00:01";

    @Option(names = "--size", defaultValue = "64", description = "payload bytes (at least 8: the sequence number)")
    int size;

    @Option(names = "--count", defaultValue = "-1",
        description = "datagrams to send (0: no limit; default: 1000, or no limit when --seconds is given)")
    long count;

    @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0: no limit)")
    double seconds;

    @Option(names = "--rate", defaultValue = "0", description = "packets per second (0: as fast as it goes)")
    double rate;

    @picocli.CommandLine.Mixin
    MetricsOption metrics = new MetricsOption();

    @Option(names = "--quiet", description = "no status line")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (size < 8) {
            throw new IllegalArgumentException("--size must be at least 8 (the sequence number), was " + size);
        }
        try (Port port = Zcnbrh.open(spec, PortConfig.builder().txBatch(32).build())) {
            boolean frames = port.content() == Port.Content.ETHERNET_FRAMES;
            if (frames && to == null) {
                throw new IllegalArgumentException(port.spec() + " sends Ethernet frames: give --to IP:PORT");
            }
            byte[] dst = frames ? HexFormat.ofDelimiter(":").parseHex(dstMac) : null;
            byte[] src = frames ? HexFormat.ofDelimiter(":").parseHex(srcMac) : null;
            String[] d = frames ? to.split(":") : null;
            String[] s = from.split(":");
            byte[] dstIp = frames ? InetAddress.getByName(d[0]).getAddress() : null;
            byte[] srcIp = InetAddress.getByName(s[0]).getAddress();
            int offset = frames ? UdpFlow.PAYLOAD_OFFSET : 0;
            long limit = count >= 0 ? count : seconds > 0 ? 0 : 1000;
            long intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
            long start = System.nanoTime();
            long end = seconds > 0 ? start + (long) (seconds * 1e9) : Long.MAX_VALUE;
            byte[] headers = new byte[offset];
            if (frames) {
                UdpFrame.writeHeaders(java.lang.foreign.MemorySegment.ofArray(headers), dst, src, srcIp, dstIp,
                    Integer.parseInt(s[1]), Integer.parseInt(d[1]), size);
            }
            Transmitter tx = new Transmitter(port, headers, size);
            try (PortTelemetry status = new PortTelemetry("tx", System.err, !quiet, metrics)) {
                tx.run(limit, end, intervalNanos, status::tick);
            }
            long sent = tx.sent();
            long noFrame = tx.noFrame();
            double elapsed = (System.nanoTime() - start) / 1e9;
            port.close(); // sends still in flight finish first: the counters below are final
            System.out.printf(Locale.ROOT, "tx: %d datagrams of %d bytes in %.2f s (%.3f Mpps) through %s; waited for "
                + "a free frame %d times; %s%n", sent, size, elapsed, sent / elapsed / 1e6, port.spec(), noFrame,
                port.counters());
            return 0;
        }
    }
}
