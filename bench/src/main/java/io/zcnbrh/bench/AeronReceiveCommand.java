package io.zcnbrh.bench;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * The Aeron peer of the shm benchmark: a second JVM subscribes to {@code aeron:ipc} through the media driver the
 * benchmark embeds (its directory in /dev/shm), reads the same sequenced frames in place in the term buffer and
 * checks their order; a frame of 8 bytes ends the stream.
 */
@Command(name = "aeron-receive", hidden = true, description = "Receive sequenced frames over Aeron IPC (benchmark peer).")
public final class AeronReceiveCommand implements Callable<Integer> {
    /** IPC with an MTU above a 1500-byte frame, so tryClaim can lend one in place (the default 1408 cannot). */
    static final String CHANNEL = "aeron:ipc?mtu=8192";
    static final int STREAM = 1001;

    @Option(names = "--dir", required = true, description = "the media driver's directory")
    String dir;

    private long expected;
    private long outOfOrder;
    private boolean done;

    @Override
    public Integer call() {
        FragmentHandler check = (buffer, offset, length, header) -> {
            if (length == 8) {
                done = true;
                return;
            }
            long seq = buffer.getLong(offset + 14);
            if (seq != expected) {
                outOfOrder++;
            }
            expected = seq + 1;
        };
        FragmentAssembler handler = new FragmentAssembler(check);
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
             Subscription sub = aeron.addSubscription(CHANNEL, STREAM)) {
            System.out.println("aeron-receive: subscribed");
            while (!done) {
                if (sub.poll(handler, 256) == 0) {
                    Thread.onSpinWait();
                }
            }
        }
        System.out.println("receiver: packets=" + expected + " order=" + (outOfOrder == 0 ? "ok" : outOfOrder
            + " out of order"));
        return outOfOrder == 0 ? 0 : 1;
    }
}
