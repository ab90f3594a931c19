package io.zcnbrh.backend.iouring;

import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.numa.CpuAffinity;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With COOP_TASKRUN the kernel does not interrupt the polling thread to post a receive completion: it queues the
 * work and says so in the SQ ring's flags (IORING_SQ_TASKRUN). A spinning poll that never enters the kernel must
 * see the flag and collect the completion, or a latency-mode port would wait for its next unrelated system call.
 */
@Tag("kernel")
class IoUringTaskRunTest {
    @Test
    void aSpinningPollCollectsACompletionQueuedAsTaskWork() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath()) {
            veth.withOuterAddress();
            try (Port port = Zcnbrh.open("iouring:udp:" + veth.outerIp + ":9000", PortConfig.builder().ringSize(64)
                .latencyMode(true).build())) {
                IoUringPort uring = (IoUringPort) port;
                assertTrue(port.toString().contains("COOP_TASKRUN"), port.toString());
                boolean sawFlag = false;
                // the poller on one core and the sender on the other: a sender scheduled on the poller's core
                // switches the poller out and back, and that return to user space runs the queued work before the
                // flag can be seen (a CI run lost all 20 tries that way)
                CpuAffinity.pinCurrentThread(1);
                // the port asks about its interface (an ioctl, which would run queued work) on its first poll and
                // every 1024th: this one takes that turn, so the poll that decides below makes no system call
                assertTrue(port.poll() == null, "nothing sent yet");
                for (int attempt = 0; attempt < 20 && !sawFlag; attempt++) {
                    CompletableFuture<Long> sent = new CompletableFuture<>();
                    Thread sender = new Thread(() -> {
                        CpuAffinity.pinCurrentThread(0);
                        sent.complete(UdpFlow.send(veth.netns, veth.outerIp, 9000, 1, 64, TimeUnit.SECONDS.toNanos(5)));
                    });
                    sender.start();
                    // no system call from here until the poll (a blocking wait would run the work itself): the
                    // completion waits as task work, said by the flag (a timer interrupt may run it first: then
                    // the completion is on the CQ already, and the test tries again with another datagram)
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (!uring.ring().taskWorkQueued() && !uring.ring().peek() && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    sawFlag = uring.ring().taskWorkQueued();
                    Packet p = port.poll(); // with the flag up, this one call must enter the kernel for the work
                    if (sawFlag) {
                        assertNotNull(p, "the first poll collects the completion queued as task work");
                    }
                    while (p == null) {
                        port.awaitPackets(1_000_000);
                        p = port.poll();
                    }
                    assertEquals(0, UdpFlow.sequenceAt(p.segment(), 0));
                    port.release(p);
                    assertEquals(1, sent.get(10, TimeUnit.SECONDS));
                }
                assertTrue(sawFlag, "in 20 tries the kernel never left a completion as task work (IORING_SQ_TASKRUN)");
            }
        }
    }
}
