package example;

import io.zcnbrh.DaemonOptions;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;

/**
 * AF_XDP without root: zcnbrhd (started by the operator with a grant for this user) owns the XDP program and hands
 * this process a bound AF_XDP socket and a UMEM of its own; from then on the fast path is the same as with root.
 *
 * <pre>
 * sudo ./zcnbrh daemon --socket /run/zcnbrh/zcnbrhd.sock --allow "$(id -u):eth1@0 filter=udp dst port 9000"
 * java --enable-native-access=ALL-UNNAMED -cp 'target/classes:target/lib/*' example.DaemonClient \
 *     eth1@0 /run/zcnbrh/zcnbrhd.sock 100 10
 * </pre>
 * Arguments: interface and queue, the daemon's socket, how many packets to wait for, for at most how many seconds.
 */
public final class DaemonClient {
    private DaemonClient() {
    }

    public static void main(String[] args) {
        String queue = args.length > 0 ? args[0] : "eth1@0";
        String socket = args.length > 1 ? args[1] : DaemonOptions.DEFAULT_SOCKET;
        long wanted = args.length > 2 ? Long.parseLong(args[2]) : 100;
        long seconds = args.length > 3 ? Long.parseLong(args[3]) : 10;
        long[] packets = {0};
        PacketHandler count = p -> packets[0]++;
        PortConfig config = PortConfig.builder().daemon(DaemonOptions.at(socket)).build();
        try (Port port = Zcnbrh.open("zcnbrhd:" + queue, config)) {
            System.out.println("granted " + port.spec() + " by zcnbrhd (uid " + uid() + "): " + port.mode() + " mode");
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (packets[0] < wanted && System.nanoTime() < end) {
                port.receive(count, 64, 100_000_000);
            }
            System.out.println(port.spec() + ": " + packets[0] + " packets through the daemon's socket");
        }
        System.exit(packets[0] >= wanted ? 0 : 1);
    }

    private static String uid() {
        try {
            return String.valueOf(java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid"));
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return "?";
        }
    }
}
