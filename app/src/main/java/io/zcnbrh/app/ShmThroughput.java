package io.zcnbrh.app;

import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.shm.ShmPort;
import io.zcnbrh.traffic.SequencedFrames;
import io.zcnbrh.traffic.TrafficLoops;

import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two-process throughput: sequenced 64-byte frames from this JVM to a child JVM that checks their order,
 * over {@code shm:} (zero copy) and over a Unix domain stream socket (the copying peer), measured in the same
 * run. The rate is what the receiver confirmed, divided by the sending time.
 */
final class ShmThroughput {
    private static final Pattern RECEIVED = Pattern.compile("receiver: packets=(\\d+) order=ok");

    private ShmThroughput() {
    }

    /** Packets per second over shm: for {@code seconds}. */
    static double shm(double seconds, int length) throws Exception {
        String name = "bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        PortConfig config = PortConfig.builder().ringSize(4096).frameCount(8192).txBatch(64)
            .shmRole(PortConfig.ShmRole.CREATE).build();
        try (ShmPort port = ShmPort.open(name, config)) {
            Process receiver = JavaProcess.start(List.of("shm-receive", "--name", name, "--order-only"));
            List<String> out = new ArrayList<>();
            Thread pump = JavaProcess.pump(receiver, out);
            if (!TrafficLoops.awaitPeer(port, 30_000_000_000L)) {
                receiver.destroyForcibly();
                throw new IllegalStateException("the receiver did not attach within 30 s: " + out);
            }
            long t0 = System.nanoTime();
            long sent = TrafficLoops.send(port, 0, Long.MAX_VALUE, length, (long) (seconds * 1e9));
            double elapsed = (System.nanoTime() - t0) / 1e9;
            port.close();
            return confirmed(receiver, pump, out, sent) / elapsed;
        }
    }

    /** Packets per second over a Unix domain stream socket for {@code seconds}, 64 records per write. */
    static double unixSocket(double seconds, int length) throws Exception {
        Path path = Files.createTempDirectory("zcnbrh-bench").resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            Process receiver = JavaProcess.start(List.of("unix-receive", "--path", path.toString(),
                "--length", Integer.toString(length)));
            List<String> out = new ArrayList<>();
            Thread pump = JavaProcess.pump(receiver, out);
            long sent = 0;
            long t0;
            double elapsed;
            try (SocketChannel ch = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocateDirect(64 * length).order(ByteOrder.nativeOrder());
                MemorySegment seg = MemorySegment.ofBuffer(buf);
                t0 = System.nanoTime();
                long deadline = t0 + (long) (seconds * 1e9);
                while (System.nanoTime() < deadline) {
                    buf.clear();
                    for (int i = 0; i < 64; i++) {
                        SequencedFrames.write(seg.asSlice((long) i * length, length), sent + i, length);
                    }
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    sent += 64;
                }
                elapsed = (System.nanoTime() - t0) / 1e9;
            }
            return confirmed(receiver, pump, out, sent) / elapsed;
        } finally {
            Files.deleteIfExists(path);
            Files.deleteIfExists(path.getParent());
        }
    }

    private static long confirmed(Process receiver, Thread pump, List<String> out, long sent) throws Exception {
        if (!receiver.waitFor(60, TimeUnit.SECONDS)) {
            receiver.destroyForcibly();
            throw new IllegalStateException("receiver did not finish: " + out);
        }
        pump.join(5000);
        synchronized (out) {
            for (String line : out) {
                Matcher m = RECEIVED.matcher(line);
                if (m.find() && Long.parseLong(m.group(1)) == sent) {
                    return sent;
                }
            }
        }
        throw new IllegalStateException("receiver did not confirm " + sent + " packets in order: " + out);
    }
}
