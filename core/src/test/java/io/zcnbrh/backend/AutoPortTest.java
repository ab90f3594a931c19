package io.zcnbrh.backend;

import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.iouring.IoUringProbe;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.netlab.VethPair;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("kernel")
class AutoPortTest {
    @Test
    void autoTakesAfXdpWhenItWorks() {
        try (VethPair veth = new VethPair()) {
            AutoPort.Choice c = AutoPort.open(veth.outer, PortConfig.defaults());
            try (Port port = c.port()) {
                assertEquals("afxdp", port.backend());
                assertTrue(c.announcement().contains("the best path"), c.announcement());
            }
        }
    }

    @Test
    void autoSaysWhyTheBetterPathsWereNotTaken() {
        // another XDP program on the interface: AF_XDP refuses to replace it, so auto goes on to io_uring
        try (VethPair veth = new VethPair();
             BpfProgram pass = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(), "other");
             XdpAttachment other = XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER)) {
            AutoPort.Choice c = AutoPort.open(veth.outer, PortConfig.defaults());
            try (Port port = c.port()) {
                assertEquals("iouring", port.backend());
                assertTrue(c.announcement().startsWith("auto: iouring:raw:" + veth.outer + "; not taken: afxdp:"),
                    c.announcement());
                assertTrue(c.announcement().contains("already"), "names the existing program: " + c.announcement());
            }
        }
    }

    @Test
    void autoOnAMultiQueueInterfaceTakesABackendThatSeesEveryQueue() {
        // one AF_XDP port serves one queue: on two queues it (or the daemon's queue 0) would see half the traffic
        try (VethPair veth = new VethPair(2)) {
            AutoPort.Choice c = AutoPort.open(veth.outer, PortConfig.defaults());
            try (Port port = c.port()) {
                assertEquals("iouring", port.backend());
                assertTrue(c.announcement().contains("has 2 receive queues and one AF_XDP port serves one"),
                    c.announcement());
            }
        }
    }

    @Test
    void autoOnAMissingInterfaceListsEveryReason() {
        ZcnbrhException e = assertThrows(ZcnbrhException.class, () -> AutoPort.open("zcnbrh-none0", PortConfig.defaults()));
        for (String backend : new String[] {"afxdp:", "iouring:raw:", "afpacket:", "socket:raw:"}) {
            assertTrue(e.getMessage().contains(backend + "zcnbrh-none0: "), e.getMessage());
        }
    }

    @Test
    void ioUringZeroCopyReceiveIsProbedAndItsAbsenceNamed() {
        assertTrue(IoUringProbe.supports(47), "SEND_ZC (Linux 6.0) is on this kernel");
        try (VethPair veth = new VethPair()) {
            IoUringProbe.Result r = IoUringProbe.zeroCopyReceive(veth.outer, 0);
            assertTrue(r.available() || r.reason().matches("E[A-Z]+ .*|io_uring refused .*|this kernel.*"), r.reason());
            Assumptions.assumeTrue(r.available(), "SKIPPED, missing kernel/NIC feature: io_uring zero-copy receive "
                + "(IORING_OP_RECV_ZC) is unavailable on veth: " + r.reason());
        }
    }
}
