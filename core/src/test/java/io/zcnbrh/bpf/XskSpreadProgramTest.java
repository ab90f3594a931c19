package io.zcnbrh.bpf;

import io.zcnbrh.bpf.interp.Interpreter;
import io.zcnbrh.bpf.interp.InterpreterMap;
import io.zcnbrh.bpf.programs.XskSpreadProgram;
import io.zcnbrh.bpf.programs.XskSpreadProgram.Spread;
import io.zcnbrh.traffic.UdpFrame;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The program that spreads one queue's frames over several sockets, run by the interpreter: a flow keeps its
 * consumer (both directions), flows cover every consumer, round robin takes turns, other queues and short or non-IP
 * frames are handled without a fault.
 */
@Tag("unit")
class XskSpreadProgramTest {
    private static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_B = {2, 0, 0, 0, 0, 2};
    private final InterpreterMap xsks = new InterpreterMap(MapType.XSKMAP, 4, 4, 8, "xsks");
    private final InterpreterMap counter = new InterpreterMap(MapType.ARRAY, 4, 4, 1, "spread");

    private Interpreter program(int consumers, Spread spread) {
        for (int i = 0; i < consumers; i++) {
            xsks.setTarget(i, 100 + i);
        }
        return new Interpreter(ProgramType.XDP, XskSpreadProgram.instructions(xsks, counter, 3, consumers, spread))
            .receivedOn(1, 3);
    }

    private static MemorySegment udp4(byte[] src, byte[] dst, int sport, int dport) {
        MemorySegment f = Arena.ofAuto().allocate(64);
        UdpFrame.writeHeaders(f, MAC_B, MAC_A, src, dst, sport, dport, 22);
        return f;
    }

    private static int slot(Interpreter p, MemorySegment frame, int length) {
        assertEquals(TestRunResult.XDP_REDIRECT, p.run(frame, length));
        return p.redirectTarget();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void aFlowKeepsItsConsumerInBothDirectionsAndFlowsCoverEveryConsumer(int consumers) {
        Interpreter p = program(consumers, Spread.FLOW);
        Random seeded = new Random(consumers);
        Set<Integer> used = new HashSet<>();
        for (int flow = 0; flow < 64; flow++) {
            byte[] a = {10, 0, (byte) seeded.nextInt(256), (byte) seeded.nextInt(256)};
            byte[] b = {10, 1, 0, 2};
            int sport = 1024 + seeded.nextInt(60000);
            int slot = slot(p, udp4(a, b, sport, 9000), 64);
            assertTrue(slot >= 0 && slot < consumers);
            for (int again = 0; again < 3; again++) {
                assertEquals(slot, slot(p, udp4(a, b, sport, 9000), 64), "the same flow, the same consumer");
            }
            assertEquals(slot, slot(p, udp4(b, a, 9000, sport), 64), "the reply direction hashes alike");
            used.add(slot);
        }
        assertEquals(consumers, used.size(), "64 flows reach every one of " + consumers + " consumers");
    }

    @Test
    void theSourcePortAloneSeparatesFlowsBetweenTwoHosts() {
        Interpreter p = program(2, Spread.FLOW);
        Set<Integer> used = new HashSet<>();
        for (int sport = 40000; sport < 40016; sport++) {
            used.add(slot(p, udp4(new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2}, sport, 9000), 64));
        }
        assertEquals(Set.of(0, 1), used, "ports are part of the hash, not only the addresses");
    }

    @Test
    void ipv6FlowsSpreadAndNonIpAndShortFramesGoToTheFirstConsumer() {
        Interpreter p = program(4, Spread.FLOW);
        Set<Integer> used = new HashSet<>();
        for (int sport = 50000; sport < 50032; sport++) {
            MemorySegment f = Arena.ofAuto().allocate(80);
            f.set(JAVA_BYTE, 12, (byte) 0x86);
            f.set(JAVA_BYTE, 13, (byte) 0xdd);
            f.set(JAVA_BYTE, 14, (byte) 0x60);
            f.set(JAVA_BYTE, 20, (byte) 17);              // next header: UDP
            f.set(JAVA_BYTE, 14 + 8 + 15, (byte) 1);      // fd00::1 -> fd00::2, roughly
            f.set(JAVA_BYTE, 14 + 24 + 15, (byte) 2);
            f.set(JAVA_BYTE, 54, (byte) (sport >> 8));
            f.set(JAVA_BYTE, 55, (byte) sport);
            used.add(slot(p, f, 80));
        }
        assertTrue(used.size() > 1, "IPv6 flows spread by their ports: " + used);
        MemorySegment arp = Arena.ofAuto().allocate(60);
        arp.set(JAVA_BYTE, 12, (byte) 0x08);
        arp.set(JAVA_BYTE, 13, (byte) 0x06);
        int arpSlot = slot(p, arp, 60);
        assertEquals(arpSlot, slot(p, arp, 60), "not IP: one fixed consumer");
        assertEquals(arpSlot, slot(p, Arena.ofAuto().allocate(10), 10), "shorter than Ethernet: the same one");
        MemorySegment shortIp = udp4(new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2}, 1, 2);
        int truncated = slot(p, shortIp, 30); // the IPv4 header is cut off: no read past the end
        assertTrue(truncated >= 0 && truncated < 4);
    }

    @Test
    void roundRobinTakesTurnsAndOtherQueuesGoToTheStack() {
        Interpreter p = program(3, Spread.ROUND_ROBIN);
        MemorySegment f = udp4(new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2}, 1234, 9000);
        for (int i = 0; i < 9; i++) {
            assertEquals(i % 3, slot(p, f, 64), "frame " + i);
        }
        assertEquals(TestRunResult.XDP_PASS, p.receivedOn(1, 0).run(f, 64), "queue 0 is not the shared queue");
        Interpreter empty = new Interpreter(ProgramType.XDP,
            XskSpreadProgram.instructions(new InterpreterMap(MapType.XSKMAP, 4, 4, 2, "none"), counter, 0, 2,
                Spread.ROUND_ROBIN));
        assertEquals(TestRunResult.XDP_PASS, empty.run(f, 64), "an empty slot: to the kernel stack");
    }
}
