package example;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.zcnbrh.netty.ZcnbrhChannelOption;
import io.zcnbrh.netty.ZcnbrhDatagramChannel;
import io.zcnbrh.netty.ZcnbrhIoHandler;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Netty UDP echo server moved to AF_XDP: compared with the NIO version, the event-loop group's I/O handler, the
 * channel class and one option (which port) changed; the handler did not.
 *
 * <pre>
 * sudo java --enable-native-access=ALL-UNNAMED -cp 'target/classes:target/lib/*' example.NettyEchoServer \
 *     afxdp:eth1@0 10.0.0.2 9000 100
 * </pre>
 * Arguments: port spec, address and UDP port to bind, how many datagrams to echo before exiting (0 when they were).
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        String spec = args.length > 0 ? args[0] : "afxdp:eth1@0";
        String host = args.length > 1 ? args[1] : "10.0.0.2";
        int port = args.length > 2 ? Integer.parseInt(args[2]) : 9000;
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        CountDownLatch echoed = new CountDownLatch(count);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ZcnbrhIoHandler.newFactory()); // was: NioIoHandler
        try {
            Channel channel = new Bootstrap().group(group)
                .channel(ZcnbrhDatagramChannel.class)                 // was: NioDatagramChannel.class
                .option(ZcnbrhChannelOption.PORT_SPEC, spec)          // new: the port under the channel
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        // packet.content() is the received frame itself; retained here, released once sent
                        ctx.writeAndFlush(new DatagramPacket(packet.content().retain(), packet.sender()));
                        echoed.countDown();
                    }
                })
                .bind(host, port).sync().channel();
            System.out.println("echoing on " + channel.localAddress() + " over " + spec);
            boolean all = echoed.await(30, TimeUnit.SECONDS);
            System.out.println("echoed " + (count - echoed.getCount()) + " datagrams over " + spec);
            channel.close().sync();
            System.exit(all ? 0 : 1);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
