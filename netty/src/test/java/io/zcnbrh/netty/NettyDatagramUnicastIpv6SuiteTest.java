package io.zcnbrh.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramUnicastIPv6Test;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Netty's own datagram transport tests over IPv6 ({@code io.netty:netty-testsuite}'s DatagramUnicastIPv6Test: the
 * IPv4 suite's tests with IPv6 sockets and addresses), run as {@link NettyDatagramUnicastSuiteTest} runs them, on
 * the veth pair's IPv6 addresses.
 */
@Tag("kernel")
class NettyDatagramUnicastIpv6SuiteTest extends DatagramUnicastIPv6Test {
    private static NettySuitePair pair;

    @BeforeAll
    static void setUpPair() {
        pair = new NettySuitePair(SocketProtocolFamily.INET6);
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
