package io.zcnbrh.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.NetNamespace;
import io.zcnbrh.udp.UdpSocket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where Netty's datagram test suite runs against our channel: a veth pair standing in for the suite's loopback
 * addresses, which never pass an interface's XDP hook. Our channel's event loop lives in the pair's namespace (its
 * thread enters it, so the AF_XDP port on the inner end, the kernel socket beside it and its rtnetlink queries are
 * all there); everything the suite makes itself (NIO channels, java.net.DatagramSockets) stays in this namespace, so
 * every datagram between the two sides crosses the pair. Each test runs in both directions: our channel as server
 * with NIO as client, then the other way round.
 */
final class NettySuitePair implements AutoCloseable {
    private final VethPair veth = new VethPair().withOuterAddress().withUdpPath().withIpv6();
    private final SocketProtocolFamily family;
    /** Our channels' event loop, its thread inside the pair's namespace. */
    private final EventLoopGroup zcnbrhGroup = new MultiThreadIoEventLoopGroup(1,
        NetNamespace.threadFactory(veth.netns), ZcnbrhIoHandler.newFactory());
    private final EventLoopGroup nioGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** Our channels not yet closed by {@link #closeLeftovers}. */
    private final Set<ZcnbrhDatagramChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong fastPathReceived = new AtomicLong();
    private final AtomicLong fastPathSent = new AtomicLong();

    NettySuitePair(SocketProtocolFamily family) {
        this.family = family;
    }

    private Bootstrap zcnbrh() {
        return new Bootstrap().group(zcnbrhGroup).channelFactory(() -> {
            ZcnbrhDatagramChannel ch = new ZcnbrhDatagramChannel();
            open.add(ch);
            return ch;
        }).option(ZcnbrhChannelOption.PORT_SPEC, "afxdp:" + veth.inner + "@0");
    }

    private Bootstrap nio() {
        return new Bootstrap().group(nioGroup).channelFactory(() -> new NioDatagramChannel(family));
    }

    /**
     * Closes the channels a previous run left open, counting what went through their fast path.
     * testReceiveEmptyDatagrams never closes its server (a kernel socket left open costs Netty nothing); ours holds
     * the interface's queue, which one AF_XDP socket binds at a time, so the next run would fail with EBUSY for a
     * leak of the suite's.
     */
    private void closeLeftovers() {
        for (ZcnbrhDatagramChannel ch : open) {
            ch.close().syncUninterruptibly();
            UdpSocket.Stats s = ch.stats();
            if (s != null) {
                fastPathReceived.addAndGet(s.received());
                fastPathSent.addAndGet(s.sent());
            }
            open.remove(ch);
        }
    }

    private BootstrapComboFactory<Bootstrap, Bootstrap> combo(boolean zcnbrhServes) {
        return new BootstrapComboFactory<>() {
            @Override
            public Bootstrap newServerInstance() {
                closeLeftovers(); // each run of a test asks for its server first
                return zcnbrhServes ? zcnbrh() : nio();
            }

            @Override
            public Bootstrap newClientInstance() {
                return zcnbrhServes ? nio() : zcnbrh();
            }

            @Override
            public String toString() {
                return zcnbrhServes ? "zcnbrh server, NIO client" : "NIO server, zcnbrh client";
            }
        };
    }

    /** The suite's permutations: our channel serving NIO, NIO serving ours. */
    List<BootstrapComboFactory<Bootstrap, Bootstrap>> combos() {
        return List.of(combo(true), combo(false));
    }

    /** The wildcard of the family: our channel takes its interface's address, NIO's every address here. */
    InetSocketAddress wildcard() {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[family == SocketProtocolFamily.INET6
                ? 16 : 4]), 0);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A server bound to the wildcard is NIO's, in this namespace: our channel reaches it at the outer end. */
    InetSocketAddress reachable(InetSocketAddress server) {
        if (!server.getAddress().isAnyLocalAddress()) {
            return server;
        }
        return new InetSocketAddress(family == SocketProtocolFamily.INET6 ? veth.outerIp6 : veth.outerIp,
            server.getPort());
    }

    /**
     * Closes everything, after checking that the suite's datagrams really went through our channels' AF_XDP port
     * both ways (not all through the kernel socket beside it).
     */
    @Override
    public void close() throws Exception {
        try {
            closeLeftovers();
            assertTrue(fastPathReceived.get() > 0 && fastPathSent.get() > 0, "the suite's datagrams went through "
                + "the AF_XDP port: received " + fastPathReceived + ", sent " + fastPathSent);
        } finally {
            try {
                zcnbrhGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                nioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            } finally {
                veth.close();
            }
        }
    }
}
