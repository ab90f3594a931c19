package example;

import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.Zcnbrh;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Two processes over one shared-memory ring ({@code shm:NAME}, a file in /dev/shm): no root, no kernel call per
 * packet. Start the receiver first (it creates the region), then the sender (it attaches):
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'target/classes:target/lib/*' example.ShmPair receive feed 100000 &amp;
 * java --enable-native-access=ALL-UNNAMED -cp 'target/classes:target/lib/*' example.ShmPair send feed 100000
 * </pre>
 * The sender writes a sequence number into each 64-byte message; the receiver checks that every one arrived in
 * order and exits 0 when they did.
 */
public final class ShmPair {
    private static final int LENGTH = 64;

    private ShmPair() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3 || !(args[0].equals("send") || args[0].equals("receive"))) {
            System.err.println("usage: ShmPair send|receive NAME COUNT");
            System.exit(2);
        }
        boolean send = args[0].equals("send");
        long count = Long.parseLong(args[2]);
        PortConfig config = PortConfig.builder()
            .shm(ShmOptions.defaults().withRole(send ? ShmOptions.Role.ATTACH : ShmOptions.Role.CREATE))
            .build();
        try (Port port = Zcnbrh.open("shm:" + args[1], config)) {
            System.exit(send ? send(port, count) : receive(port, count));
        }
    }

    private static int send(Port port, long count) throws InterruptedException {
        for (long seq = 0; seq < count; ) {
            Packet p = port.claim();     // a frame of the shared region: written in place, never copied
            if (p == null) {
                Thread.onSpinWait();     // the receiver has not released enough frames yet
                continue;
            }
            p.segment().set(JAVA_LONG_UNALIGNED, 0, seq++);
            port.transmit(p, LENGTH);
        }
        port.flush();
        System.out.println("sent " + count + " messages over " + port.spec());
        return 0;
    }

    private static int receive(Port port, long count) {
        long[] next = {0};
        long[] outOfOrder = {0};
        PacketHandler check = p -> {
            if (p.segment().get(JAVA_LONG_UNALIGNED, 0) != next[0]) {
                outOfOrder[0]++;
            }
            next[0]++;
        };
        long end = System.nanoTime() + 30_000_000_000L;
        while (next[0] < count && System.nanoTime() < end) {
            port.receive(check, 256, 100_000_000);
        }
        System.out.println("received " + next[0] + " messages over " + port.spec() + ", " + outOfOrder[0]
            + " out of order");
        return next[0] == count && outOfOrder[0] == 0 ? 0 : 1;
    }
}
