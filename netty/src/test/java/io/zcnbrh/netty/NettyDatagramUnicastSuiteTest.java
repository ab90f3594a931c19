package io.zcnbrh.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramUnicastInetTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Netty's own datagram transport tests over IPv4 ({@code io.netty:netty-testsuite}'s DatagramUnicastInetTest, the
 * class Netty's epoll and io_uring transports subclass): sends of direct, heap, composite, duplicated, sliced,
 * read-only and offset buffers, one and four at a time; sends without a bind; connect, echo, disconnect; empty
 * datagrams; an unresolvable recipient; a bind to a port only. Each with every allocator the suite names, in both
 * directions, over a veth pair ({@link NettySuitePair} says how it stands in for the suite's loopback addresses).
 *
 * <p>Netty's datagram tests that cannot apply, and why:
 * <ul>
 *   <li>DatagramMulticastTest, DatagramMulticastIPv6Test: the channel offers no multicast (its filter selects one
 *       unicast address); joinGroup fails with the reason;</li>
 *   <li>DatagramUnicastIPv6MappedTest: one IPv6 socket receiving IPv4 through mapped addresses; the channel binds
 *       one address of one family;</li>
 *   <li>DatagramConnectNotExistsTest: expects the ICMP port-unreachable error of a send to a closed port as a
 *       PortUnreachableException; ICMP goes on to the kernel stack, and the channel does not report it.</li>
 * </ul>
 */
@Tag("kernel")
class NettyDatagramUnicastSuiteTest extends DatagramUnicastInetTest {
    private static NettySuitePair pair;

    @BeforeAll
    static void setUpPair() {
        pair = new NettySuitePair(SocketProtocolFamily.INET);
    }

    @AfterAll
    static void tearDownPair() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return pair.combos();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return pair.wildcard();
    }

    @Override
    protected InetSocketAddress convertAnyAddress(InetSocketAddress serverAddress) {
        return pair.reachable(serverAddress);
    }
}
