package io.zcnbrh.backend.afxdp;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PacketHandler;
import io.zcnbrh.PortConfig;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.netlab.FrameCounter;
import io.zcnbrh.netlab.LiveFrameGenerator;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import io.zcnbrh.traffic.UdpFrame;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch paths of an AF_XDP port on a veth pair: claim and transmit a batch (every frame arrives at the far
 * end, counted in its XDP hook), and a forwarding loop that only polls and forwards keeps going for many times its
 * frame count (its sent frames come back from the completion ring to the fill ring without a claim).
 */
@Tag("kernel")
class AfXdpBatchTest {
    private static final PortConfig CONFIG = PortConfig.builder().ringSize(256).build(); // 512 frames

    @Test
    void aBatchOfClaimedFramesIsSentWithOneTransmitAndEveryFrameArrives() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             FrameCounter far = FrameCounter.attach(veth.netns, veth.inner, "udp dst port 9000");
             AfXdpPort port = AfXdpPort.open(veth.outer + "@0", CONFIG)) {
            byte[] dst = HexFormat.ofDelimiter(":").parseHex(veth.innerMac());
            byte[] src = HexFormat.ofDelimiter(":").parseHex(VethPair.mac(veth.outer));
            Packet[] batch = new Packet[64];
            int[] lengths = new int[64];
            long sent = 0;
            for (int round = 0; round < 100; round++) { // 6,400 frames through 256 transmit frames: reuse proven
                int n = 0;
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (n == 0 && System.nanoTime() < deadline) {
                    n = port.claim(batch, 64);
                }
                assertTrue(n > 0, "a batch of free frames within 5 s");
                for (int i = 0; i < n; i++) {
                    MemorySegment f = batch[i].segment();
                    UdpFlow.writeAt(f, UdpFlow.PAYLOAD_OFFSET, sent + i, 18);
                    lengths[i] = UdpFrame.writeHeaders(f, dst, src, InetAddress.getByName(veth.outerIp)
                        .getAddress(), InetAddress.getByName(veth.innerIp).getAddress(), 9001, 9000, 18);
                }
                assertEquals(n, port.transmit(batch, lengths, n));
                sent += n;
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (far.frames() < sent && System.nanoTime() < deadline) {
                port.flush();
                Thread.sleep(10);
            }
            assertEquals(sent, far.frames(), "every frame of every batch arrived");
            assertEquals(sent, port.counters().get(Counter.PACKETS_TX));
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void claimingWhenNoFrameIsFreeIsCountedAndAllocatesNothing() {
        try (VethPair veth = new VethPair(); AfXdpPort port = AfXdpPort.open(veth.outer + "@0", CONFIG)) {
            Packet[] held = new Packet[256];
            assertEquals(256, port.claim(held, 256), "every transmit frame, held");
            Packet[] batch = new Packet[64];
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            for (int i = 0; i < 20_000; i++) { // warm: compiled before it is measured
                port.claim(batch, 64);
            }
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 100_000; i++) {
                assertEquals(0, port.claim(batch, 64));
            }
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            assertEquals(120_000, port.counters().get(Counter.RING_FULL), "every empty claim counted");
            assertTrue(allocated < 16 * 1024, allocated + " bytes allocated by 100,000 empty claims (backpressure is "
                + "a data-path event: its JFR event must cost nothing when no recording runs)");
            for (Packet p : held) {
                port.release(p);
            }
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void aLoopThatOnlyForwardsKeepsForwardingLongAfterEveryFrameWentOutOnce() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath();
             FrameCounter far = FrameCounter.attach(veth.netns, veth.inner, "udp dst port 9000");
             AfXdpPort port = AfXdpPort.open(veth.outer + "@0", CONFIG)) {
            long[] forwarded = {0};
            PacketHandler hairpin = p -> {
                if (port.forward(p)) {
                    forwarded[0]++;
                }
            };
            int frames = port.frames().frameCount();
            try (LiveFrameGenerator gen = LiveFrameGenerator.start(veth, veth.udpFrameToOuter(64, 9000), -1, 0)) {
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (forwarded[0] < 20L * frames && System.nanoTime() < deadline) {
                    if (port.poll(hairpin, 64) == 0) {
                        port.awaitPackets(1_000_000);
                    } else {
                        port.flush();
                    }
                }
            }
            assertTrue(forwarded[0] >= 20L * frames, "forwarded " + forwarded[0] + " with " + frames + " frames: "
                + port.counters());
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (port.audit().count(FramePlace.TX) > 0 && System.nanoTime() < deadline) {
                port.awaitPackets(1_000_000);
            }
            assertEquals(0, port.audit().count(FramePlace.TX), "every sent frame came back");
            assertTrue(far.frames() > 0 && far.frames() <= forwarded[0], far.frames() + " arrived of " + forwarded[0]);
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }

    @Test
    void aBatchClaimTakesWhatIsFreeAndNoMore() {
        try (VethPair veth = new VethPair(); AfXdpPort port = AfXdpPort.open(veth.outer + "@0", CONFIG)) {
            Packet[] all = new Packet[1024];
            int n = port.claim(all, 1024);
            assertEquals(256, n, "the transmit half of 512 frames");
            assertEquals(0, port.claim(new Packet[1], 1), "none left");
            assertEquals(1, port.counters().get(Counter.RING_FULL), "an empty claim is counted");
            assertEquals(n, Arrays.stream(all, 0, n).map(Packet::frameIndex).distinct().count(), "distinct frames");
            for (int i = 0; i < n; i++) {
                port.release(all[i]);
            }
            assertTrue(port.audit().ok(), port.audit().toString());
        }
    }
}
