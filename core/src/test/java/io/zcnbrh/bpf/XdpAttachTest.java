package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.NetNamespace;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** XDP attach and detach on a veth pair made by the test, through BPF links and through rtnetlink, in both modes. */
@Tag("kernel")
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
    void liveFramesModeSendsRealFramesOutOfTheInterface() {
        try (VethPair veth = new VethPair();
             BpfMap seen = BpfMap.create(MapType.ARRAY, 4, 8, 1, "seen");
             BpfProgram tx = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_TX).build(), "gen");
             BpfProgram counter = BpfProgram.load(ProgramType.XDP, io.zcnbrh.bpf.TestPrograms.countEtherType(seen, 0x88B5), "count");
             // the peer end counts our frames (EtherType 0x88B5) with a program of its own, which also turns on the
             // NAPI a veth end needs to take XDP frames
             XdpAttachment peer = NetNamespace.call(veth.netns,
                 () -> XdpAttachment.attach(counter, veth.inner, XdpMode.DRIVER))) {
            assertEquals(XdpAttachment.Via.LINK, peer.via());
            byte[] frame = BpfKernelTest.packet(64);
            for (int i = 0; i < 6; i++) {
                frame[i] = (byte) 0xff;          // broadcast destination
            }
            frame[6] = 0x02;                     // locally administered source
            frame[12] = (byte) 0x88;             // IEEE 802 local experimental EtherType
            frame[13] = (byte) 0xB5;
            tx.generate(frame, Libc.ifindex(veth.outer), 1000);
            assertEquals(1000L, seen.lookupLong(0), "the peer end received every generated frame");
        }
    }

    @Test
    void missingInterfaceIsAClearError() {
        try (BpfProgram prog = pass()) {
            SyscallException e = assertThrows(SyscallException.class,
                () -> XdpAttachment.attach(prog, "zcnbrh-nonexistent0", XdpMode.SKB));
            assertTrue(e.getMessage().startsWith("ENODEV from if_nametoindex('zcnbrh-nonexistent0')"), e.getMessage());
        }
    }

    @Test
    void onlyXdpProgramsAttachAndAnAttachmentSaysWhatItIs() {
        try (VethPair veth = new VethPair(); BpfProgram prog = pass();
             BpfProgram filter = BpfProgram.load(ProgramType.SOCKET_FILTER,
                 new Assembler().ret(0).build(), "sockfilter")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XdpAttachment.attach(filter, veth.outer, XdpMode.SKB));
            assertTrue(e.getMessage().contains("only XDP programs attach"), e.getMessage());
            try (XdpAttachment a = XdpAttachment.attach(prog, veth.outer, XdpMode.SKB)) {
                assertEquals(veth.outer, a.ifname());
                assertEquals(Libc.ifindex(veth.outer), a.ifindex());
                assertEquals(XdpMode.SKB, a.mode());
                assertEquals(prog, a.program());
                assertEquals("pass on " + veth.outer + " (SKB, via LINK)", a.toString());
                a.close();
                a.close(); // idempotent
            }
        }
    }

    @Test
    void anInterfaceThatWentAwayDetachesQuietly() {
        VethPair veth = new VethPair();
        try (BpfProgram prog = pass()) {
            XdpAttachment a = XdpAttachment.attachNetlink(prog, veth.outer, XdpMode.SKB);
            veth.close(); // the interface is gone with its program
            assertThrows(RuntimeException.class, () -> Libc.ifindex(veth.outer), "the interface is gone");
            org.junit.jupiter.api.Assertions.assertDoesNotThrow(a::close, "ENODEV is not an error here");
        } finally {
            veth.close();
        }
    }
}
