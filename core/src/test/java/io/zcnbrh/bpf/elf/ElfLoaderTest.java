package io.zcnbrh.bpf.elf;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.XdpProgram;
import io.zcnbrh.backend.afxdp.AfXdpPort;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.TestRunResult;
import io.zcnbrh.netlab.VethPair;
import io.zcnbrh.traffic.UdpFlow;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Objects compiled during the test by clang (installed by run-tests.sh from Debian's packages). */
@Tag("kernel")
class ElfLoaderTest {
    @TempDir
    Path dir;

    private Path compile(String source, String... defines) throws Exception {
        Path clang = io.zcnbrh.testing.RequiredTool.find("clang", "clang");
        Path src = dir.resolve(source);
        try (InputStream in = ElfLoaderTest.class.getResourceAsStream("/bpf/" + source)) {
            Files.write(src, in.readAllBytes());
        }
        Path obj = dir.resolve(source.replace(".c", defines.length > 0 ? defines[0].replaceAll("\\W", "") + ".o" : ".o"));
        List<String> cmd = new ArrayList<>(List.of(clang.toString(), "-O2", "-g", "-target", "bpf", "-c", src.toString(),
            "-o", obj.toString()));
        for (String d : defines) {
            cmd.add("-D" + d);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "clang failed: " + out);
        return obj;
    }

    @Test
    void legacyAndBtfMapsAreCreatedAndTheProgramRelocatedToThem() throws Exception {
        try (BpfObject obj = BpfObject.load(compile("count_redirect.c"))) {
            assertEquals(MapType.ARRAY, obj.map("seen").type());
            assertEquals(8, obj.map("seen").valueSize());
            assertEquals(MapType.XSKMAP, obj.xskMap().type());
            assertEquals(64, obj.xskMap().maxEntries(), "max_entries from BTF");
            assertEquals(4, obj.xskMap().keySize(), "key size from the BTF type __u32");
            assertEquals(ProgramType.XDP, obj.program("count_and_redirect").type());
            byte[] frame = new byte[64];
            for (int i = 0; i < 3; i++) {
                TestRunResult r = obj.program().testRun(frame, 1, 0);
                assertEquals(TestRunResult.XDP_PASS, r.retval(), "an empty XSKMAP slot passes the frame");
            }
            assertEquals(3L, obj.map("seen").lookupLong(0), "the relocated map reference reaches the legacy map");
        }
    }

    @Test
    void anAfXdpPortReceivesThroughTheObjectsProgramAndXskMap() throws Exception {
        Path o = compile("count_redirect.c");
        try (VethPair veth = new VethPair().withUdpPath();
             AfXdpPort port = AfXdpPort.open(veth.outer, PortConfig.builder().ringSize(512)
                 .program(XdpProgram.objectFile(o, "count_and_redirect")).build())) {
            var sender = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> UdpFlow.send(veth.netns, veth.outerIp, 9000, 200, 64, TimeUnit.SECONDS.toNanos(10)));
            long flow = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (flow < 200 && System.nanoTime() < deadline) {
                Packet p = port.poll();
                if (p == null) {
                    port.awaitPackets(1_000_000);
                    continue;
                }
                if (UdpFlow.isFlow(p.segment(), p.length(), 9000) && UdpFlow.payloadMatches(p.segment(), p.length())) {
                    flow++;
                }
                port.release(p);
            }
            assertEquals(200L, sender.get(10, TimeUnit.SECONDS));
            long drops = port.counters().get(Counter.XDP_RX_DROPPED) + port.counters().get(Counter.XDP_RX_RING_FULL);
            assertEquals(200, flow + drops, "the flow arrived through the object's program: " + flow + " + " + drops);
            assertTrue(flow > 0);
            assertTrue(port.xskMap().name().startsWith("xsks"), "the port used the object's XSKMAP: "
                + port.xskMap().name());
        }
    }

    @ParameterizedTest(name = "variant {0}")
    @CsvSource(delimiter = '|', value = {
        "1 | global variable 'counter' (.bss): global variables are not supported",
        "2 | bpf-to-bpf calls are not supported",
        "3 | program section 'kprobe/sys_open' is not a type this loader loads",
    })
    void unsupportedThingsAreRefusedByName(int variant, String says) throws Exception {
        Path o = compile("unsupported.c", "VARIANT=" + variant);
        ElfFormatException e = assertThrows(ElfFormatException.class, () -> BpfObject.load(o));
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertTrue(e.getMessage().startsWith(o.toString() + ": "), "names the file: " + e.getMessage());
    }

    @Test
    void damagedFilesGetAClearErrorNotACrash() throws Exception {
        byte[] good = Files.readAllBytes(compile("count_redirect.c"));
        assertThrows(ElfFormatException.class, () -> BpfObject.load(new byte[] {1, 2, 3}, "tiny.o"));
        ElfFormatException cut = assertThrows(ElfFormatException.class,
            () -> BpfObject.load(Arrays.copyOf(good, good.length / 2), "cut.o"));
        assertTrue(cut.getMessage().contains("runs past the end of the file"), cut.getMessage());
        java.util.Random random = new java.util.Random(Long.getLong("zcnbrh.fuzz.seed", 7));
        for (int i = 0, runs = Integer.getInteger("zcnbrh.fuzz.elf", 300); i < runs; i++) {
            byte[] bad = good.clone();
            for (int n = 0; n < 4; n++) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            try (BpfObject ignored = BpfObject.load(bad, "mutated.o")) {
                // a mutation in debug info is harmless
            } catch (IllegalArgumentException | io.zcnbrh.error.ZcnbrhException expected) {
                // refused with a message that says what was wrong, not a bare one
                assertTrue(expected.getMessage() != null && expected.getMessage().length() > 10,
                    "refused without saying why: " + expected);
            }
        }
    }
}
