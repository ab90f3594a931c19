package io.zcnbrh.netlab;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.traffic.UdpFrame;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernel's verdict and output for the reflector, run on crafted frames with BPF_PROG_TEST_RUN. */
@Tag("kernel")
class UdpReflectorTest {
    private static final byte[] A_MAC = {2, 0, 0, 0, 0, 1};
    private static final byte[] B_MAC = {2, 0, 0, 0, 0, 2};
    private static final byte[] A_IP = {10, 1, 0, 1};
    private static final byte[] B_IP = {10, 1, 0, 2};

    private static byte[] frame(byte[] dstMac, byte[] srcMac, byte[] srcIp, byte[] dstIp, int srcPort, int dstPort) {
        byte[] f = new byte[42 + 16];
        for (int i = 42; i < f.length; i++) {
            f[i] = (byte) (i * 7);
        }
        UdpFrame.writeHeaders(MemorySegment.ofArray(f), dstMac, srcMac, srcIp, dstIp, srcPort, dstPort, 16);
        return f;
    }

    @Test
    void aDatagramToThePortGoesBackWithAddressesAndPortsSwappedAndValidChecksums() {
        try (BpfProgram p = UdpReflector.load(9100)) {
            byte[] in = frame(B_MAC, A_MAC, A_IP, B_IP, 9000, 9100);
            TestRunResult r = p.testRun(in);
            assertEquals(TestRunResult.XDP_TX, r.retval());
            byte[] expected = frame(A_MAC, B_MAC, B_IP, A_IP, 9100, 9000); // the reply the stack would have built
            assertArrayEquals(expected, Arrays.copyOf(r.packetOut(), expected.length));
        }
    }

    @Test
    void everythingElsePasses() {
        try (BpfProgram p = UdpReflector.load(9100)) {
            assertEquals(TestRunResult.XDP_PASS, p.testRun(frame(B_MAC, A_MAC, A_IP, B_IP, 9000, 9101)).retval(),
                "another port");
            byte[] tcp = frame(B_MAC, A_MAC, A_IP, B_IP, 9000, 9100);
            tcp[23] = 6;
            assertEquals(TestRunResult.XDP_PASS, p.testRun(tcp).retval(), "not UDP");
            byte[] options = frame(B_MAC, A_MAC, A_IP, B_IP, 9000, 9100);
            options[14] = 0x46;
            assertEquals(TestRunResult.XDP_PASS, p.testRun(options).retval(), "IP options move the UDP header");
            byte[] ipv6 = frame(B_MAC, A_MAC, A_IP, B_IP, 9000, 9100);
            ipv6[12] = (byte) 0x86;
            ipv6[13] = (byte) 0xdd;
            assertEquals(TestRunResult.XDP_PASS, p.testRun(ipv6).retval(), "not IPv4");
            assertEquals(TestRunResult.XDP_PASS, p.testRun(Arrays.copyOf(frame(B_MAC, A_MAC, A_IP, B_IP, 9000, 9100),
                41)).retval(), "shorter than the headers");
        }
    }
}
