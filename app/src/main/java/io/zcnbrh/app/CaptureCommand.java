package io.zcnbrh.app;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.pcap.CaptureWriter;
import io.zcnbrh.pcap.PcapWriter;
import io.zcnbrh.pcap.PcapngWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code zcnbrh capture SPEC -w FILE}: frames of a port into a pcap or pcapng file that tcpdump and tshark read. */
@Command(name = "capture", description = "Write the frames a port receives to a pcap or pcapng file.")
public final class CaptureCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the port, e.g. afxdp:eth1@0, afpacket:eth1, auto:eth1")
    String spec;

    @Option(names = "-w", required = true, description = "the file to write (.pcapng writes pcapng unless --format)")
    Path file;

    @Option(names = "--format", description = "pcap or pcapng (default: from the file name, else pcap)")
    String format;

    @Option(names = "--seconds", defaultValue = "0", description = "stop after this many seconds (0: no limit)")
    double seconds;

    @Option(names = "--count", defaultValue = "0", description = "stop after this many frames (0: no limit)")
    long count;

    @Option(names = "--filter", description = "only frames matching this tcpdump expression")
    String filter;

    @Option(names = "--snaplen", defaultValue = "65535", description = "bytes kept per frame")
    int snapLength;

    @picocli.CommandLine.Mixin
    MetricsOption metrics = new MetricsOption();

    @Option(names = "--quiet", description = "no status line")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (seconds <= 0 && count <= 0) {
            throw new IllegalArgumentException("say when to stop: --seconds S or --count N (or both)");
        }
        boolean pcapng = format != null ? switch (format) {
            case "pcap" -> false;
            case "pcapng" -> true;
            default -> throw new IllegalArgumentException("--format is pcap or pcapng, not '" + format + "'");
        } : file.toString().endsWith(".pcapng");
        try (Port port = Zcnbrh.open(spec, PortConfig.builder().filter(filter).build());
             CaptureWriter out = pcapng ? PcapngWriter.create(file, snapLength, port.spec())
                 : PcapWriter.create(file, snapLength)) {
            if (port.content() != Port.Content.ETHERNET_FRAMES) {
                throw new IllegalArgumentException(port.spec() + " delivers datagram payloads, not frames: capture "
                    + "from afxdp:, afpacket:, socket:raw: or iouring:raw:");
            }
            System.err.println("capture: " + port + " -> " + file + " (" + (pcapng ? "pcapng" : "pcap") + ")");
            // packets carry monotonic nanoseconds; the file wants wall-clock time
            Instant wall = Instant.now();
            long toEpoch = wall.getEpochSecond() * 1_000_000_000L + wall.getNano() - System.nanoTime();
            byte[] buf = new byte[65536];
            MemorySegment bufSegment = MemorySegment.ofArray(buf);
            long written = 0;
            long end = seconds > 0 ? System.nanoTime() + (long) (seconds * 1e9) : Long.MAX_VALUE;
            try (PortTelemetry status = new PortTelemetry("capture", System.err, !quiet, metrics)) {
                while ((count <= 0 || written < count) && System.nanoTime() < end) {
                    var p = port.poll();
                    if (p == null) {
                        port.awaitPackets(1_000_000);
                        status.tick(port);
                        continue;
                    }
                    int n = p.copyTo(bufSegment, 0); // the whole packet: every fragment of a multi-buffer one
                    long stamp = p.timestampNanos() + toEpoch;
                    int wire = p.packetLength();
                    port.release(p);
                    out.write(stamp, buf, 0, n, wire);
                    written++;
                    status.tick(port);
                }
            }
            System.out.println("capture: " + written + " frames written to " + file);
            return 0;
        }
    }
}
