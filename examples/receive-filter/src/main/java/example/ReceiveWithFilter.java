package example;

import io.zcnbrh.PacketHandler;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;

/**
 * Receives the packets that match a tcpdump filter, zero-copy: the filter is compiled into the XDP program, so
 * only matching frames reach the socket and everything else goes on to the kernel stack.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'target/classes:target/lib/*' example.ReceiveWithFilter \
 *     afxdp:eth1@0 'udp dst port 9000' 100 10
 * </pre>
 * Arguments: port spec, filter, how many packets to wait for, for at most how many seconds. Exits 0 when that many
 * arrived.
 */
public final class ReceiveWithFilter {
    private ReceiveWithFilter() {
    }

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "afxdp:eth1@0";
        String filter = args.length > 1 ? args[1] : "udp dst port 9000";
        long wanted = args.length > 2 ? Long.parseLong(args[2]) : 100;
        long seconds = args.length > 3 ? Long.parseLong(args[3]) : 10;
        long[] packets = {0};
        long[] bytes = {0};
        PacketHandler count = p -> {       // p is the frame in the kernel's UMEM; it goes back when this returns
            packets[0]++;
            bytes[0] += p.length();
        };
        try (Port port = Zcnbrh.open(spec, PortConfig.builder().filter(filter).build())) {
            System.out.println("receiving on " + port.spec() + " (" + port.backend() + ", " + port.mode() + ")");
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (packets[0] < wanted && System.nanoTime() < end) {
                port.receive(count, 64, 100_000_000);
            }
            System.out.printf("%s: %d packets, %d bytes matched '%s'%n", port.spec(), packets[0], bytes[0], filter);
        }
        System.exit(packets[0] >= wanted ? 0 : 1);
    }
}
