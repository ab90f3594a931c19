package io.zcnbrh.netlab;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark bed: the live-frames generator's frames arrive at the far end and are counted there exactly; no
 * more arrive than it says it sent, none after it stopped; the outer end's NAPI can be made threaded and pinned.
 */
@Tag("kernel")
class LiveFrameGeneratorTest {
    @Test
    void framesArriveAtTheFarEndNeverMoreThanOfferedAndNoneAfterTheGeneratorStops() throws Exception {
        try (VethPair veth = new VethPair().withUdpPath(); FrameCounter counter = FrameCounter.attach(null, veth.outer, "udp dst port 9000")) {
            LiveFrameGenerator gen = LiveFrameGenerator.start(veth, veth.udpFrameToOuter(64, 9000), 0, 64);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (gen.frames() < 2_000_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            gen.close(); // every call has ended: frames() is now exactly what the kernel was asked to send
            long offered = gen.frames();
            Thread.sleep(100);
            long counted = counter.frames();
            assertTrue(gen.offeredPps() > 0, "an offered rate: " + gen.offeredPps());
            assertTrue(offered >= 2_000_000, "offered: " + offered);
            assertTrue(counted > offered / 10 && counted <= offered, counted + " counted of " + offered + " offered");
            Thread.sleep(200);
            assertEquals(counted, counter.frames(), "nothing arrives once the generator stopped");
        }
    }

    @Test
    void aGeneratorThatCannotRunSaysWhyAtClose() throws Exception {
        VethPair gone = new VethPair();
        gone.close();
        LiveFrameGenerator gen = LiveFrameGenerator.start(gone, new byte[64], -1, 0);
        Thread.sleep(100);
        RuntimeException e = assertThrows(RuntimeException.class, gen::close);
        assertTrue(e.getMessage().contains("no network namespace '" + gone.netns + "'"), e.getMessage());
    }

    @Test
    void napiIsThreadedAndPinnedOnceAnXdpProgramGivesVethANapi() throws Exception {
        try (VethPair veth = new VethPair()) {
            IllegalStateException none = assertThrows(IllegalStateException.class, () -> veth.pinNapi(0));
            assertTrue(none.getMessage().contains("attach first"), none.getMessage());
            try (BpfProgram pass = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(),
                     "pass");
                 XdpAttachment a = XdpAttachment.attach(pass, veth.outer, XdpMode.DRIVER)) {
                assertTrue(veth.pinNapi(0) >= 1);
                assertEquals("1", Files.readString(Path.of("/sys/class/net/" + veth.outer + "/threaded")).trim());
            }
        }
    }
}
