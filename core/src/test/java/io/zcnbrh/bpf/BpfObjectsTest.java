package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pinning in bpffs, and every map and program error a user can cause, each with its cause named. */
@Tag("kernel")
class BpfObjectsTest {
    @Test
    void mapsAndProgramsPinOpenAgainAndUnpin() throws Exception {
        boolean wasMounted = BpfObjects.bpffsMounted();
        BpfObjects.ensureBpffs(); // bpffs is not mounted by default here
        Path dir = Path.of("/sys/fs/bpf", "zcnbrh-test-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(dir);
            try (BpfMap map = BpfMap.create(MapType.HASH, 4, 8, 16, "pin_test");
                 BpfProgram prog = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(),
                     "pin_prog")) {
                map.update(7, 42);
                map.pin(dir.resolve("map"));
                try (BpfMap again = BpfMap.open(dir.resolve("map"))) {
                    assertEquals(MapType.HASH, again.type());
                    assertEquals(4, again.keySize());
                    assertEquals(8, again.valueSize());
                    assertEquals(16, again.maxEntries());
                    assertEquals("pin_test", again.name());
                    assertEquals(42L, again.lookupLong(7), "the same map");
                }
                SyscallException twice = assertThrows(SyscallException.class, () -> map.pin(dir.resolve("map")));
                assertTrue(twice.getMessage().contains("EEXIST"), twice.getMessage());
                prog.pin(dir.resolve("prog"));
                assertTrue(Files.exists(dir.resolve("prog")));
                SyscallException none = assertThrows(SyscallException.class, () -> BpfMap.open(dir.resolve("none")));
                assertTrue(none.getMessage().contains("ENOENT"), none.getMessage());
                BpfObjects.unpin(dir.resolve("map"));
                BpfObjects.unpin(dir.resolve("prog"));
                assertTrue(!Files.exists(dir.resolve("map")));
            }
        } finally {
            Files.deleteIfExists(dir.resolve("map"));
            Files.deleteIfExists(dir.resolve("prog"));
            Files.deleteIfExists(dir);
            if (!wasMounted) {
                Libc.syscall(166, addressOf("/sys/fs/bpf"), 0, 0, 0, 0, 0); // umount2: leave the machine as it was
            }
        }
        assertEquals(wasMounted, BpfObjects.bpffsMounted());
    }

    private static final Arena PATHS = Arena.ofAuto();

    private static long addressOf(String s) {
        return PATHS.allocateFrom(s).address();
    }

    @Test
    void mapUpdatesThatCannotBeDoneSayWhy() {
        try (Arena a = Arena.ofConfined();
             BpfMap hash = BpfMap.create(MapType.HASH, 4, 8, 2, "small_hash");
             BpfMap array = BpfMap.create(MapType.ARRAY, 4, 8, 2, "small_array")) {
            MemorySegment k = a.allocate(JAVA_INT);
            MemorySegment v = a.allocate(JAVA_LONG);
            hash.update(1, 1);
            hash.update(2, 2);
            k.set(JAVA_INT, 0, 3);
            assertTrue(assertThrows(SyscallException.class, () -> hash.update(k, v, BpfMap.ANY)).getMessage()
                .contains("the map is full (2 entries)"));
            k.set(JAVA_INT, 0, 1);
            assertTrue(assertThrows(SyscallException.class, () -> hash.update(k, v, BpfMap.NOEXIST)).getMessage()
                .contains("the key exists and BPF_NOEXIST was asked"));
            k.set(JAVA_INT, 0, 9);
            assertTrue(assertThrows(SyscallException.class, () -> hash.update(k, v, BpfMap.EXIST)).getMessage()
                .contains("the key does not exist and BPF_EXIST was asked"));
            assertTrue(!hash.delete(k), "deleting a missing key is false, not an error");
            k.set(JAVA_INT, 0, 5);
            String outOfRange = assertThrows(SyscallException.class, () -> array.update(k, v, BpfMap.ANY)).getMessage();
            assertTrue(outOfRange.contains("E2BIG") && outOfRange.contains("the index is past the array's 2 entries"),
                outOfRange);
            k.set(JAVA_INT, 0, 0);
            assertTrue(assertThrows(SyscallException.class, () -> array.delete(k)).getMessage()
                .contains("array elements cannot be deleted"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> hash.update(a.allocate(2), v, BpfMap.ANY))
                .getMessage().contains("key needs 4 bytes"));
            assertTrue(hash.toString().contains("small_hash"));
        }
        BpfMap closed = BpfMap.create(MapType.ARRAY, 4, 8, 1, "closed");
        closed.close();
        assertTrue(assertThrows(IllegalStateException.class, () -> closed.update(0, 1)).getMessage()
            .contains("is closed"));
    }

    @Test
    void aTestRunOnAFrameTooShortForXdpIsAClearError() {
        try (BpfProgram prog = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_PASS).build(),
            "short_run")) {
            SyscallException e = assertThrows(SyscallException.class, () -> prog.testRun(new byte[5]));
            assertTrue(e.getMessage().contains("EINVAL") && e.getMessage().contains("XDP needs at least 14 bytes"),
                e.getMessage());
            assertEquals("XDP program 'short_run' (2 insns)", prog.toString());
        }
    }
}
