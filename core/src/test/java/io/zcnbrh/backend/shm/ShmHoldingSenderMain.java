package io.zcnbrh.backend.shm;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.config.Backpressure;

/**
 * The sending side of {@link ShmTrustTest}, run in a PID namespace of its own: attaches, sends every frame it can
 * for {@code args[1]} ms without blocking, prints what it sent and how many frames it took back from its peer.
 */
public final class ShmHoldingSenderMain {
    private ShmHoldingSenderMain() {
    }

    public static void main(String[] args) {
        PortConfig config = PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH))
            .backpressure(Backpressure.DROP_NEWEST).build();
        try (ShmPort port = ShmPort.open(args[0], config)) {
            long end = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000L;
            long sent = 0;
            while (System.nanoTime() < end) {
                Packet p = port.claim();
                if (p == null) {
                    Thread.onSpinWait();
                    continue;
                }
                p.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, sent);
                if (port.transmit(p, 64)) {
                    sent++;
                }
                port.flush();
            }
            System.out.println("RESULT sent=" + sent + " reclaimed=" + port.counters().get(Counter.FRAMES_RECLAIMED)
                + " peerGone=" + port.peerGone() + " pid=" + ProcessHandle.current().pid());
            System.out.flush();
            // stay until told: the test checks that the other side still sees this one alive
            try {
                System.in.read();
            } catch (java.io.IOException e) {
                // the test ended
            }
        }
    }
}
