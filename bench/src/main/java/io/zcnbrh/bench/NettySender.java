package io.zcnbrh.bench;

import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.numa.CpuAffinity;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Netty peer of {@code bench transmit}: a connected epoll DatagramChannel on one pinned event loop writes
 * batches of 64 sequenced 18-byte datagrams from Netty's pooled allocator and flushes each batch (Netty's
 * sendmmsg path), as fast as the channel stays writable; that thread's CPU time and allocation are measured.
 */
final class NettySender {
    private NettySender() {
    }

    /** Sends for {@code warmup} + {@code seconds}; counts what was written in the measured window. */
    static long[] run(VethPair veth, int cpu, CountDownLatch ready, double warmup, double seconds) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            long[] tid = {-1};
            group.submit(() -> {
                if (cpu >= 0) {
                    CpuAffinity.pinCurrentThread(cpu);
                }
                tid[0] = Thread.currentThread().threadId();
            }).sync();
            Channel ch = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                        // writes still queued when the benchmark closes the channel fail: expected, not news
                    }
                })
                .bind(new InetSocketAddress(veth.outerIp, 9002)).sync().channel();
            ch.connect(new InetSocketAddress(veth.innerIp, 9000)).sync();
            long[] sent = {0};
            boolean[] stop = {false};
            Runnable[] batch = new Runnable[1];
            batch[0] = () -> {
                if (stop[0]) {
                    return;
                }
                for (int i = 0; i < 64 && ch.isWritable(); i++) {
                    ByteBuf b = ch.alloc().directBuffer(TransmitBenchmark.PAYLOAD);
                    b.writeLong(sent[0]++).writeZero(TransmitBenchmark.PAYLOAD - 8);
                    ch.write(b, ch.voidPromise());
                }
                ch.flush();
                ch.eventLoop().execute(batch[0]);
            };
            ready.countDown();
            ch.eventLoop().execute(batch[0]);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            Thread.sleep((long) (warmup * 1000));
            long n0 = group.submit(() -> sent[0]).get();
            long a0 = threads.getThreadAllocatedBytes(tid[0]);
            long c0 = threads.getThreadCpuTime(tid[0]);
            Thread.sleep((long) (seconds * 1000));
            long n1 = group.submit(() -> sent[0]).get();
            long a1 = threads.getThreadAllocatedBytes(tid[0]);
            long c1 = threads.getThreadCpuTime(tid[0]);
            group.submit(() -> stop[0] = true).get();
            ch.close().sync();
            return new long[] {n1 - n0, c1 - c0, a1 - a0};
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
