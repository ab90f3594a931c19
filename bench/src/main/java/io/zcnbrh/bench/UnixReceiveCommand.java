package io.zcnbrh.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The copying peer of the shm benchmark: receives the same sequenced 64-byte records over a Unix domain
 * stream socket (two copies: sender buffer -> kernel -> receiver buffer) and checks their order.
 */
@Command(name = "unix-receive", hidden = true, description = "Receive sequenced records over a Unix socket (benchmark peer).")
public final class UnixReceiveCommand implements Callable<Integer> {
    @Option(names = "--path", required = true)
    Path path;

    @Option(names = "--length", defaultValue = "64")
    int length;

    @Override
    public Integer call() throws IOException {
        long expected = 0;
        long outOfOrder = 0;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.nativeOrder());
            while (ch.read(buf) >= 0) {
                buf.flip();
                while (buf.remaining() >= length) {
                    long seq = buf.getLong(buf.position() + 14);
                    if (seq != expected) {
                        outOfOrder++;
                    }
                    expected = seq + 1;
                    buf.position(buf.position() + length);
                }
                buf.compact();
            }
        }
        System.out.println("receiver: packets=" + expected + " order=" + (outOfOrder == 0 ? "ok" : outOfOrder + " out of order"));
        return outOfOrder == 0 ? 0 : 1;
    }
}
