package io.zcnbrh.bench;

import io.zcnbrh.PortConfig;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.udp.UdpDatagramHandler;
import io.zcnbrh.udp.UdpSocket;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;

/**
 * {@code udp-zcnbrh} in {@code bench receive}: the {@link UdpSocket} facade on {@code afxdp:OUTER@0}, bound to the
 * outer end's address and the generator's port, each datagram handed in place to a handler that reads its first
 * payload byte and its source port (what a DatagramChannel loop moved over does, without the copy).
 */
final class UdpSocketReceiver {
    private static long sink;
    private static final UdpDatagramHandler TOUCH = d -> sink += d.frame().get(java.lang.foreign.ValueLayout.JAVA_BYTE,
        d.payloadOffset()) + d.sourcePort();

    private UdpSocketReceiver() {
    }

    static AfXdpBench.Run run(VethPair veth, double seconds, double warmup, AfXdpBench.Placement at) {
        at.apply();
        veth.withOuterAddress(); // the socket binds to an address of its interface
        try (UdpSocket socket = UdpSocket.open("afxdp:" + veth.outer + "@0", new InetSocketAddress(veth.outerIp,
            AfXdpBench.PORT), PortConfig.builder().ringSize(AfXdpBench.ringSize).build())) {
            at.listening(veth);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().threadId();
            receive(socket, warmup, at.spin());
            long before = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            long n = receive(socket, seconds, at.spin());
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            return new AfXdpBench.Run("udp-zcnbrh", n / elapsed, n == 0 ? Double.NaN : (double) allocated / n,
                n == 0 ? Double.NaN : (double) cpu / n, 100.0 * cpu / (elapsed * 1e9));
        } finally {
            VethPair.ip("addr", "del", veth.outerIp + "/24", "dev", veth.outer);
        }
    }

    private static long receive(UdpSocket socket, double seconds, boolean spin) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() < end) {
            int k = socket.receive(TOUCH, 64);
            n += k;
            if (k == 0) {
                if (spin) {
                    Thread.onSpinWait();
                } else {
                    socket.port().awaitPackets(1_000_000); // the port's own wait (poll(2) or a short sleep)
                }
            }
        }
        return n;
    }
}
