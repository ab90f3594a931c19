package io.zcnbrh.backend.afpacket;

import io.zcnbrh.AfPacketOptions;
import io.zcnbrh.Packet;
import io.zcnbrh.PollLoop;
import io.zcnbrh.PortConfig;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PACKET_FANOUT: two afpacket ports in one group, a poll thread each, share an interface's flows. */
@Tag("kernel")
class AfPacketFanoutTest {
    @Test
    void twoPortsInOneFanoutGroupShareTheFlowsAndLoseNone() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            // a group id of its own: fanout groups are shared by every socket of the network namespace
            int group = 1 + (int) ((ProcessHandle.current().pid() * 31 + System.nanoTime()) & 0x7fff);
            PortConfig config = PortConfig.builder().afPacket(AfPacketOptions.fanout(group)).build();
            try (AfPacketPort a = AfPacketPort.open(veth.outer, config);
                 AfPacketPort b = AfPacketPort.open(veth.outer, config)) {
                AtomicLong[] got = {new AtomicLong(), new AtomicLong()};
                AfPacketPort[] ports = {a, b};
                PollLoop[] loops = new PollLoop[2];
                for (int i = 0; i < 2; i++) {
                    AtomicLong n = got[i];
                    loops[i] = PollLoop.start(ports[i], (Packet p) -> {
                        if (UdpFlow.isFlow(p.segment(), p.length(), 9000)) {
                            n.incrementAndGet();
                        }
                    }, PollLoop.Idle.BLOCKING, -1, 64, "fanout-" + i);
                }
                long sent = UdpFlow.send(veth.netns, veth.outerIp, 9000, 4000, 64, TimeUnit.SECONDS.toNanos(20), 16);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                long drops = 0;
                while (System.nanoTime() < deadline) {
                    drops = a.counters().get(io.zcnbrh.Counter.KERNEL_DROPS) + b.counters().get(io.zcnbrh.Counter.KERNEL_DROPS);
                    if (got[0].get() + got[1].get() + drops >= sent) {
                        break;
                    }
                    Thread.sleep(10);
                }
                for (PollLoop l : loops) {
                    l.close();
                }
                assertEquals(sent, got[0].get() + got[1].get() + drops, got[0] + " + " + got[1] + " + dropped " + drops);
                assertTrue(got[0].get() > 0 && got[1].get() > 0, "16 flows spread over both: " + got[0] + " / " + got[1]);
            }
        }
    }
}
