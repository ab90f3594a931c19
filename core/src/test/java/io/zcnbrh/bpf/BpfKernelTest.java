package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.asm.Helpers;
import io.zcnbrh.bpf.asm.Insn;
import io.zcnbrh.error.SyscallException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.zcnbrh.bpf.asm.Assembler.*;
import static io.zcnbrh.bpf.asm.Op.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real kernel: program load, verifier errors, test runs, maps, pinning, fd hygiene. */
@Tag("kernel")
class BpfKernelTest {
    static byte[] packet(int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i * 7 + 3);
        }
        return p;
    }

    @Test
    void passProgramRunsInTheKernel() {
        try (BpfProgram prog = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(), "pass")) {
            TestRunResult r = prog.testRun(packet(64));
            assertEquals(TestRunResult.XDP_PASS, r.retval());
            assertArrayEquals(packet(64), r.packetOut());
        }
    }

    @Test
    void outOfBoundsPacketReadIsRejectedWithTheVerifiersWords() {
        // r2 = ctx->data; r0 = *(u32 *)(r2 + 0) without checking data_end
        List<Insn> bad = new Assembler().ldx(W, R2, R1, 0).ldx(W, R0, R2, 0).exit().build();
        ProgramLoadException e = assertThrows(ProgramLoadException.class,
            () -> BpfProgram.load(ProgramType.XDP, bad, "oob"));
        assertTrue(e.getMessage().startsWith("EACCES from bpf(BPF_PROG_LOAD 'oob')"), e.getMessage());
        assertTrue(e.getMessage().contains("invalid access to packet"), e.getMessage());
        assertEquals(1, e.failedInsn());
        assertTrue(e.getMessage().contains("at instruction 1: r0 = *(u32 *)(r2 +0)"), e.getMessage());
    }

    @Test
    void arrayMapRoundTripAndProgramCountsIntoIt() {
        try (BpfMap counts = BpfMap.create(MapType.ARRAY, 4, 8, 4, "counts")) {
            List<Insn> prog = new Assembler()
                .st(W, R10, -4, 2)                 // key = 2
                .ldMap(R1, counts)
                .mov64Reg(R2, R10).alu64(ADD, R2, -4)
                .call(Helpers.MAP_LOOKUP_ELEM)
                .jmp(JEQ, R0, 0, "out")
                .mov64(R1, 1)
                .atomic(DW, ADD, R0, R1, 0)        // lock *(u64 *)(r0) += 1
                .label("out")
                .ret(TestRunResult.XDP_PASS)
                .build();
            try (BpfProgram p = BpfProgram.load(ProgramType.XDP, prog, "count")) {
                for (int i = 0; i < 5; i++) {
                    p.testRun(packet(60));
                }
            }
            assertEquals(5L, counts.lookupLong(2));
            assertEquals(0L, counts.lookupLong(0));
            counts.update(3, 42);
            assertEquals(42L, counts.lookupLong(3));
            assertNull(counts.lookupLong(4), "past the end: no such key");
            assertEquals(4, counts.keys().size());
        }
    }

    @Test
    void hashMapsCreateUpdateDeleteIterate() {
        for (MapType type : List.of(MapType.HASH, MapType.LRU_HASH)) {
            try (BpfMap m = BpfMap.create(type, 8, 16, 32, "h"); Arena arena = Arena.ofConfined()) {
                MemorySegment k = arena.allocate(8);
                MemorySegment v = arena.allocate(16);
                for (long i = 0; i < 10; i++) {
                    k.set(JAVA_LONG, 0, i * 1000);
                    v.set(JAVA_LONG, 8, i);
                    m.update(k, v, BpfMap.NOEXIST);
                }
                assertEquals(10, m.keys().size());
                k.set(JAVA_LONG, 0, 3000);
                assertThrows(SyscallException.class, () -> m.update(k, v, BpfMap.NOEXIST));
                assertTrue(m.lookup(k, v));
                assertEquals(3, v.get(JAVA_LONG, 8));
                assertTrue(m.delete(k));
                assertFalse(m.delete(k));
                assertFalse(m.lookup(k, v));
                Set<Long> keys = new HashSet<>();
                m.keys().forEach(b -> keys.add(MemorySegment.ofArray(b).get(JAVA_LONG.withByteAlignment(1), 0)));
                assertEquals(9, keys.size());
                assertFalse(keys.contains(3000L));
            }
        }
    }

    @Test
    void perCpuXskAndDevMapsAreCreated() {
        try (BpfMap pc = BpfMap.create(MapType.PERCPU_ARRAY, 4, 8, 2, "pc");
             BpfMap xsk = BpfMap.create(MapType.XSKMAP, 4, 4, 4, "xsks");
             BpfMap dev = BpfMap.create(MapType.DEVMAP, 4, 4, 4, "dev")) {
            assertEquals(8 * PossibleCpus.count(), pc.valueBufferSize());
            pc.update(1, 9);
            assertEquals(9L, pc.lookupLong(1));
            assertEquals(MapType.XSKMAP, xsk.type());
            assertEquals(MapType.DEVMAP, dev.type());
        }
    }

    @Test
    void badMapsGetClearErrors() {
        SyscallException e = assertThrows(SyscallException.class, () -> BpfMap.create(MapType.XSKMAP, 4, 8, 4, "x"));
        assertTrue(e.getMessage().startsWith("EINVAL from bpf(BPF_MAP_CREATE XSKMAP"), e.getMessage());
        assertTrue(e.getMessage().contains("values are 4 bytes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BpfMap.create(MapType.ARRAY, 8, 8, 4, "x"));
        assertThrows(IllegalArgumentException.class, () -> BpfMap.create(MapType.HASH, 4, 0, 4, "x"));
        assertThrows(IllegalArgumentException.class, () -> BpfMap.create(MapType.HASH, 4, 4, 4, "bad-name!"));
    }

    @Test
    void pinAndOpenThroughBpffs() throws Exception {
        Path dir = BpfObjects.BPFFS.resolve("zcnbrh-test-" + ProcessHandle.current().pid());
        try (BpfMap m = BpfMap.create(MapType.ARRAY, 4, 8, 2, "pinned")) {
            BpfObjects.ensureBpffs();
            Files.createDirectories(dir);
            Path pin = dir.resolve("m");
            m.pin(pin);
            m.update(1, 77);
            try (BpfMap again = BpfMap.open(pin)) {
                assertEquals(MapType.ARRAY, again.type());
                assertEquals(8, again.valueSize());
                assertEquals("pinned", again.name());
                assertEquals(77L, again.lookupLong(1));
            }
            SyscallException twice = assertThrows(SyscallException.class, () -> m.pin(pin));
            assertTrue(twice.getMessage().contains("already pinned"), twice.getMessage());
            BpfObjects.unpin(pin);
        } finally {
            Files.deleteIfExists(dir.resolve("m"));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aThousandProgramsAndMapsLeaveNoFileDescriptorBehind() throws Exception {
        long before = openFds();
        List<Insn> code = new Assembler().ret(TestRunResult.XDP_DROP).build();
        for (int i = 0; i < 1000; i++) {
            try (BpfMap m = BpfMap.create(MapType.ARRAY, 4, 8, 1, "fd"); BpfProgram p = BpfProgram.load(ProgramType.XDP,
                code, "fd")) {
                assertTrue(m.fd() > 0 && p.fd() > 0);
            }
        }
        assertThrows(ProgramLoadException.class, () -> BpfProgram.load(ProgramType.XDP,
            new Assembler().exit().build(), "noret")); // r0 never set: rejected, and its fds must not leak either
        long after = openFds();
        // a leak would be 1000 fds or more; other test threads may close theirs meanwhile
        assertTrue(after <= before, before + " fds before, " + after + " after");
    }

    static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
