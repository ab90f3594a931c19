package io.zcnbrh.bench;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.PortConfig;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.netty.ZcnbrhChannelOption;
import io.zcnbrh.netty.ZcnbrhDatagramChannel;
import io.zcnbrh.netty.ZcnbrhIoHandler;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.ReferenceCountUtil;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baselines users would pick from Netty: its epoll and io_uring datagram transports receiving the same UDP
 * flow, one event loop thread pinned like our receivers; that thread's CPU time and allocation are measured. And
 * ours under the same API: {@code netty-zcnbrh}, the same handler on a ZcnbrhDatagramChannel over AF_XDP.
 */
final class NettyReceiver {
    private NettyReceiver() {
    }

    static AfXdpBench.Run run(String transport, VethPair veth, double seconds, double warmup, AfXdpBench.Placement at)
        throws Exception {
        boolean uring = transport.equals("io_uring");
        boolean zcnbrh = transport.equals("zcnbrh"); // ours: AF_XDP under Netty's API (it attaches its own program)
        IoHandlerFactory factory = zcnbrh ? ZcnbrhIoHandler.newFactory() : uring ? IoUringIoHandler.newFactory()
            : EpollIoHandler.newFactory();
        veth.withOuterAddress();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, factory);
        AtomicLong packets = new AtomicLong();
        AtomicLong thread = new AtomicLong(-1);
        try (BpfProgram pass = zcnbrh ? null : BpfProgram.load(ProgramType.XDP,
                 new Assembler().ret(TestRunResult.XDP_PASS).build(), "pass");
             XdpAttachment a = zcnbrh ? null : XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER)) {
            group.submit(() -> {
                at.apply();
                thread.set(Thread.currentThread().threadId());
            }).sync();
            Bootstrap b = new Bootstrap().group(group);
            if (zcnbrh) {
                b.channel(ZcnbrhDatagramChannel.class)
                    .option(ZcnbrhChannelOption.PORT_SPEC, "afxdp:" + veth.outer + "@0")
                    .option(ZcnbrhChannelOption.PORT_CONFIG, PortConfig.builder().ringSize(AfXdpBench.ringSize).build());
            } else {
                b.channel(uring ? IoUringDatagramChannel.class : EpollDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 4 << 20);
            }
            Channel ch = b
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof DatagramPacket) {
                            packets.incrementAndGet();
                        }
                        ReferenceCountUtil.release(msg);
                    }
                }).bind(new InetSocketAddress(veth.outerIp, 9000)).sync().channel();
            at.listening(veth);
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            Thread.sleep((long) (warmup * 1000));
            long tid = thread.get();
            long p0 = packets.get();
            long alloc0 = threads.getThreadAllocatedBytes(tid);
            long cpu0 = threads.getThreadCpuTime(tid);
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            long n = packets.get() - p0;
            long wall = System.nanoTime() - t0;
            long cpu = threads.getThreadCpuTime(tid) - cpu0;
            long alloc = threads.getThreadAllocatedBytes(tid) - alloc0;
            ch.close().sync();
            return new AfXdpBench.Run("netty-" + transport, n / (wall / 1e9), n == 0 ? Double.NaN : (double) alloc / n,
                n == 0 ? Double.NaN : (double) cpu / n, 100.0 * cpu / wall);
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
            VethPair.ip("addr", "del", veth.outerIp + "/24", "dev", veth.outer);
        }
    }
}
