package io.zcnbrh.backend;

import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.netlab.VethPair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The single-packet transmit path of every frame backend (claim, write, transmit, flush: what a request/response
 * application does per packet) and an empty poll allocate nothing once warm. Before, AF_XDP and AF_PACKET
 * allocated 40 B per packet in their kick (the errno-capturing downcall's state slice).
 */
class TransmitAllocationTest {
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afxdp:IFACE@0", "afpacket:IFACE", "socket:raw:IFACE", "iouring:raw:IFACE"})
    void claimTransmitFlushAndAnEmptyPollAllocateNothing(String pattern) {
        try (VethPair veth = new VethPair();
             Port port = Zcnbrh.open(pattern.replace("IFACE", veth.outer), PortConfig.builder().ringSize(256).build())) {
            double worstSend = 0;
            double worstPoll = 0;
            for (int round = 0; round < 3; round++) { // the first round warms up; the two after it must not allocate
                long a = allocated();
                int sent = 0;
                for (int i = 0; i < 20_000; i++) {
                    Packet p = port.claim();
                    if (p == null) {
                        port.flush();
                        continue;
                    }
                    p.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
                    if (port.transmit(p, 64)) {
                        sent++;
                    }
                    port.flush();
                }
                long b = allocated();
                for (int i = 0; i < 100_000; i++) {
                    port.poll(); // nothing arrives on this pair: the empty poll of a spinning receiver
                }
                long c = allocated();
                if (round > 0) { // the worst round, not the best: the JIT may remove an allocation only much later
                    worstSend = Math.max(worstSend, (double) (b - a) / Math.max(1, sent));
                    worstPoll = Math.max(worstPoll, (double) (c - b) / 100_000);
                }
            }
            // a per-packet object costs 16 B or more
            assertTrue(worstSend < 1, pattern + ": " + worstSend + " B allocated per claimed, transmitted, flushed packet");
            // socket:* is the known exception, bounded rather than hidden: its empty poll repeats the failed recvmmsg
            // with errno capture to learn the errno, and that call's state slice (40 B) is removed by the JIT only
            // sometimes (seen in a CI run with the coverage agent); ReceiveAllocationTest bounds it the same way
            double pollBound = pattern.startsWith("socket:") ? 64 : 1;
            assertTrue(worstPoll < pollBound, pattern + ": " + worstPoll + " B allocated per empty poll");
        }
    }
}
