package io.zcnbrh.bpf;

import io.zcnbrh.ZcnbrhException;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import io.zcnbrh.sys.SyscallException;
import io.zcnbrh.testing.VethPair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** XDP attach and detach on a veth pair made by the test, through BPF links and through rtnetlink, in both modes. */
class XdpAttachTest {
    private static BpfProgram pass() {
        return BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(), "pass");
    }

    @ParameterizedTest
    @EnumSource(XdpMode.class)
    void linkAttachShowsUpRefusesASecondAndDetachesOnClose(XdpMode mode) {
        try (VethPair veth = new VethPair(); BpfProgram first = pass(); BpfProgram second = pass()) {
            try (XdpAttachment a = XdpAttachment.attach(first, veth.outer, mode)) {
                assertEquals(XdpAttachment.Via.LINK, a.via());
                int[] state = XdpAttachment.state(veth.outer);
                assertEquals(mode.attachedValue(), state[0], "IFLA_XDP_ATTACHED");
                assertTrue(state[1] > 0, "a program id");
                ZcnbrhException e = assertThrows(ZcnbrhException.class,
                    () -> XdpAttachment.attach(second, veth.outer, mode));
                assertTrue(e.getMessage().contains("already has an XDP program (id " + state[1]), e.getMessage());
                assertEquals(state[1], XdpAttachment.state(veth.outer)[1], "the first program is still there");
            }
            assertEquals(0, XdpAttachment.state(veth.outer)[0], "detached on close");
        }
    }

    @ParameterizedTest
    @EnumSource(XdpMode.class)
    void netlinkFallbackAttachesAndRemovesExactlyItsProgram(XdpMode mode) {
        try (VethPair veth = new VethPair(); BpfProgram prog = pass(); BpfProgram other = pass()) {
            try (XdpAttachment a = XdpAttachment.attachNetlink(prog, veth.outer, mode)) {
                assertEquals(XdpAttachment.Via.NETLINK, a.via());
                assertEquals(mode.attachedValue(), XdpAttachment.state(veth.outer)[0]);
                assertThrows(ZcnbrhException.class, () -> XdpAttachment.attachNetlink(other, veth.outer, mode));
                assertThrows(ZcnbrhException.class, () -> XdpAttachment.attach(other, veth.outer, mode));
            }
            assertEquals(0, XdpAttachment.state(veth.outer)[0]);
        }
    }

    @Test
    void theRedirectProgramAttachesWithItsMap() {
        try (VethPair veth = new VethPair(); BpfMap xsks = BpfMap.create(MapType.XSKMAP, 4, 4, 4, "xsks");
             BpfProgram prog = XskRedirectProgram.load(xsks);
             XdpAttachment a = XdpAttachment.attach(prog, veth.outer, XdpMode.DRIVER)) {
            assertEquals(XdpMode.DRIVER.attachedValue(), XdpAttachment.state(veth.outer)[0]);
            // an empty XSKMAP slot: the frame goes to the kernel stack
            assertEquals(TestRunResult.XDP_PASS, prog.testRun(BpfKernelTest.packet(64)).retval());
            assertThrows(IllegalArgumentException.class,
                () -> XskRedirectProgram.load(BpfMap.create(MapType.ARRAY, 4, 4, 1, "notxsk")));
        }
    }

    @Test
    void missingInterfaceIsAClearError() {
        try (BpfProgram prog = pass()) {
            SyscallException e = assertThrows(SyscallException.class,
                () -> XdpAttachment.attach(prog, "zcnbrh-nonexistent0", XdpMode.SKB));
            assertTrue(e.getMessage().startsWith("ENODEV from if_nametoindex(zcnbrh-nonexistent0)"), e.getMessage());
        }
    }
}
