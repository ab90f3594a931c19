package io.zcnbrh.backend.afxdp;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.XskBindMode;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.UnixSocket;
import io.zcnbrh.traffic.UdpFlow;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's hand-over, in one process: one side sets up the UMEM (a memfd), binds the AF_XDP socket, fills the
 * XSKMAP and attaches the program; it passes the socket and the memfd over a Unix socket (SCM_RIGHTS); the other
 * side adopts them, maps the rings and the UMEM itself, and receives real packets zero-copy.
 */
@Tag("kernel")
class AdoptedSocketTest {
    @TempDir
    Path dir;

    @Test
    void aPassedSocketAndUmemReceiveRealPacketsZeroCopy() throws Exception {
        int frames = 1024;
        PortConfig config = PortConfig.builder().ringSize(512).frameCount(frames).build();
        String path = dir.resolve("d.sock").toString();
        try (VethPair veth = new VethPair().withUdpPath();
             Mapping umem = Mapping.memfd("zcnbrh-umem", FrameRegion.bytesFor(frames, 2048), PageSize.BASE, -1);
             XskSocket daemonSide = XskSocket.open(Libc.ifindex(veth.outer), 0, umem, 2048, 0, 512, 512,
                 XskBindMode.AUTO, true, null);
             BpfMap xsks = BpfMap.create(MapType.XSKMAP, 4, 4, 64, "xsks");
             BpfProgram prog = XskRedirectProgram.load(xsks);
             UnixSocket server = UnixSocket.listen(path, 1)) {
            // its own thread: the common pool has one thread on two cores, and the sender needs it
            CompletableFuture<Void> daemon = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try (UnixSocket conn = server.accept()) {
                    conn.send(new byte[] {1}, daemonSide.fd(), umem.fd());
                    conn.receive(16); // the client's goodbye (end of stream)
                    daemon.complete(null);
                } catch (RuntimeException e) {
                    daemon.completeExceptionally(e);
                }
            });
            try (UnixSocket client = UnixSocket.connect(path)) {
                UnixSocket.Message m = client.receive(16);
                assertEquals(2, m.fds().length);
                XskSocket adopted = XskSocket.adopt(m.fds()[0], Libc.ifindex(veth.outer), 0, 512, 512,
                    daemonSide.needWakeup(), true);
                Mapping clientUmem = Mapping.ofDescriptor(m.fds()[1], umem.segment().byteSize(), "passed UMEM");
                try (AfXdpPort port = AfXdpPort.adopt(veth.outer, adopted, clientUmem, config)) {
                    assertTrue(port.modeLine().contains("of the daemon"), port.modeLine());
                    // the daemon's part after the hand-over: the socket goes into its map, its program goes live
                    AfXdpControl.setSocket(xsks, 0, daemonSide.fd());
                    try (XdpAttachment on = XdpAttachment.attach(prog, veth.outer, XdpMode.DRIVER)) {
                        CompletableFuture<Long> sender = CompletableFuture.supplyAsync(() -> UdpFlow.send(veth.netns,
                            veth.outerIp, 9000, 500, 64, TimeUnit.SECONDS.toNanos(10)));
                        long flow = 0;
                        boolean inUmem = true;
                        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (flow < 500 && System.nanoTime() < end) {
                            Packet p = port.poll();
                            if (p == null) {
                                port.awaitPackets(1_000_000);
                                continue;
                            }
                            long a = p.nativeAddress();
                            inUmem &= a >= clientUmem.segment().address()
                                && a < clientUmem.segment().address() + clientUmem.segment().byteSize();
                            if (UdpFlow.isFlow(p.segment(), p.length(), 9000)
                                && UdpFlow.payloadMatches(p.segment(), p.length())) {
                                flow++;
                            }
                            port.release(p);
                        }
                        assertEquals(500, sender.get(10, TimeUnit.SECONDS));
                        long drops = port.counters().get(Counter.XDP_RX_DROPPED)
                            + port.counters().get(Counter.XDP_RX_RING_FULL);
                        assertEquals(500, flow + drops, "received " + flow + " + counted drops " + drops);
                        assertTrue(flow > 0 && inUmem, "read in place, in this process's mapping of the passed UMEM");
                        assertTrue(port.audit().ok(), port.audit().toString());
                    }
                }
            }
            daemon.get(5, TimeUnit.SECONDS);
        }
    }
}
