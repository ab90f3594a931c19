package io.zcnbrh.bench;

import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.app.JavaProcess;
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
            .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build();
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
            Process receiver = JavaProcess.start(BenchMain.class.getName(), List.of("unix-receive", "--path", path.toString(),
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

    /**
     * Packets per second over Aeron IPC for {@code seconds}: a media driver embedded in this JVM (shared threading,
     * a backing-off conductor: two cores hold the sender, the receiver and the driver), the publication written in
     * place with tryClaim (Aeron's zero-copy path, as shm: writes its frames), the subscriber in a second JVM.
     */
    static double aeron(double seconds, int length) throws Exception {
        Path dir = Path.of("/dev/shm", "zcnbrh-aeron-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        io.aeron.driver.MediaDriver.Context ctx = new io.aeron.driver.MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .threadingMode(io.aeron.driver.ThreadingMode.SHARED)
            .sharedIdleStrategy(new org.agrona.concurrent.BackoffIdleStrategy())
            .dirDeleteOnStart(true).dirDeleteOnShutdown(true)
            .ipcTermBufferLength(16 << 20);
        try (io.aeron.driver.MediaDriver driver = io.aeron.driver.MediaDriver.launchEmbedded(ctx);
             io.aeron.Aeron aeron = io.aeron.Aeron.connect(new io.aeron.Aeron.Context()
                 .aeronDirectoryName(driver.aeronDirectoryName()));
             io.aeron.Publication pub = aeron.addPublication(AeronReceiveCommand.CHANNEL,
                 AeronReceiveCommand.STREAM)) {
            Process receiver = JavaProcess.start(BenchMain.class.getName(), List.of("aeron-receive", "--dir", driver.aeronDirectoryName()));
            List<String> out = new ArrayList<>();
            Thread pump = JavaProcess.pump(receiver, out);
            long wait = System.nanoTime() + 30_000_000_000L;
            while (!pub.isConnected()) {
                if (System.nanoTime() > wait || !receiver.isAlive()) {
                    receiver.destroyForcibly();
                    throw new IllegalStateException("the Aeron receiver did not subscribe within 30 s: " + out);
                }
                Thread.sleep(10);
            }
            io.aeron.logbuffer.BufferClaim claim = new io.aeron.logbuffer.BufferClaim();
            long sent = 0;
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (seconds * 1e9);
            while (true) {
                if ((sent & 63) == 0 && System.nanoTime() >= deadline) {
                    break;
                }
                if (pub.tryClaim(length, claim) > 0) {
                    MemorySegment frame = MemorySegment.ofAddress(claim.buffer().addressOffset() + claim.offset())
                        .reinterpret(length);
                    SequencedFrames.write(frame, sent, length);
                    claim.commit();
                    sent++;
                } else {
                    Thread.onSpinWait();
                }
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            while (pub.offer(new org.agrona.concurrent.UnsafeBuffer(new byte[8])) < 0) {
                Thread.onSpinWait(); // the end marker, after every frame
            }
            return confirmed(receiver, pump, out, sent) / elapsed;
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
