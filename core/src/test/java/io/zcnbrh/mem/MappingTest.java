package io.zcnbrh.mem;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class MappingTest {
    private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");

    @Test
    void anonymousMemoryIsPageAlignedAndPrefaulted() {
        try (Mapping m = Mapping.anonymous(10_000, PageSize.BASE, -1)) {
            MemorySegment s = m.segment();
            assertEquals(0, s.address() % 4096, "page aligned");
            assertEquals(12288, s.byteSize(), "rounded up to whole pages");
            Map<Integer, Integer> placement = m.placement();
            assertTrue(placement.keySet().stream().allMatch(n -> n >= 0),
                "every page is present before first touch (MAP_POPULATE): " + placement);
            s.set(JAVA_LONG, 8192, 42L);
            assertEquals(42L, s.get(JAVA_LONG, 8192));
        }
    }

    @Test
    void boundToNodeZeroAndVerified() {
        try (Mapping m = Mapping.anonymous(1 << 20, PageSize.BASE, 0)) {
            assertEquals(0, m.boundNode());
            assertEquals(Map.of(0, 256), m.placement(), "all 256 pages present on node 0");
            assertEquals(0, m.placedNode());
            assertEquals(0, io.zcnbrh.numa.MemoryPolicy.nodeOfAddress(m.segment().address()));
        }
    }

    @Test
    void bindingToAnOfflineNodeSaysWhichNodesExist() {
        SyscallException e = assertThrows(SyscallException.class, () -> Mapping.anonymous(1 << 16, PageSize.BASE, 7));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("EINVAL from mbind(MPOL_BIND, node 7)"), e.getMessage());
        assertTrue(e.getMessage().contains("online nodes: [0"), e.getMessage());
    }

    @Test
    void memfdIsSharedThroughItsFd() {
        try (Mapping m = Mapping.memfd("zcnbrh-test", 4096, PageSize.BASE, -1)) {
            assertTrue(m.fd() >= 0);
            m.segment().set(JAVA_LONG, 0, 7L);
            assertEquals(7L, m.segment().get(JAVA_LONG, 0));
        }
    }

    @Test
    void accessAfterCloseThrowsInsteadOfCrashing() {
        Mapping m = Mapping.anonymous(4096, PageSize.BASE, -1);
        MemorySegment s = m.segment();
        m.close();
        m.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> s.get(JAVA_LONG, 0));
    }

    @Test
    void hugePagesWithoutReservationGiveAdvice() {
        long free = HugePagePool.freePages();
        Assumptions.assumeTrue(free >= 0, "no HugePages_Free in /proc/meminfo: kernel without CONFIG_HUGETLBFS");
        long tooMany = (free + 1) * PageSize.HUGE_2M.bytes();
        SyscallException e = assertThrows(SyscallException.class,
            () -> Mapping.anonymous(tooMany, PageSize.HUGE_2M, -1));
        assertEquals(Errno.ENOMEM, e.errno());
        assertTrue(e.getMessage().contains("/proc/sys/vm/nr_hugepages")
            && e.getMessage().contains("needs " + (free + 1) + " free 2 MiB huge pages"), e.getMessage());
    }

    @Test
    void hugePagesWhenReserved() throws IOException {
        Assumptions.assumeTrue(Files.isWritable(NR_HUGEPAGES),
            "cannot reserve huge pages: /proc/sys/vm/nr_hugepages is not writable (not root)");
        String before = Files.readString(NR_HUGEPAGES).trim();
        try {
            Files.writeString(NR_HUGEPAGES, String.valueOf(Long.parseLong(before) + 2));
            Assumptions.assumeTrue(HugePagePool.freePages() >= 2,
                "the kernel could not reserve 2 huge pages (memory too fragmented)");
            try (Mapping m = Mapping.anonymous(3 << 20, PageSize.HUGE_2M, 0)) {
                assertEquals(4L << 20, m.segment().byteSize(), "rounded to two 2 MiB pages");
                assertEquals(0, m.segment().address() % (2 << 20), "2 MiB aligned");
                assertEquals(0, m.placedNode());
                m.segment().set(JAVA_LONG, (3 << 20), 5L);
            }
        } finally {
            Files.writeString(NR_HUGEPAGES, before);
        }
    }

    @Test
    void createFileRefusesAnExistingName(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path f = dir.resolve("region");
        try (Mapping m = Mapping.createFile(f, 8192, 0600, -1)) {
            SyscallException e = assertThrows(SyscallException.class, () -> Mapping.createFile(f, 8192, 0600, -1));
            assertEquals(Errno.EEXIST, e.errno());
            try (Mapping other = Mapping.openFile(f)) {
                m.segment().set(JAVA_LONG, 96, 99L);
                assertEquals(99L, other.segment().get(JAVA_LONG, 96), "both mappings see the same pages");
            }
        }
        ZcnbrhException e = assertThrows(SyscallException.class, () -> Mapping.openFile(dir.resolve("missing")));
        assertTrue(e.getMessage().startsWith("ENOENT from open("), e.getMessage());
    }

    @Test
    void aPassedDescriptorMapsTheSameMemoryAndEveryFileErrorSaysWhatToDo(@org.junit.jupiter.api.io.TempDir Path dir)
        throws IOException {
        try (Mapping m = Mapping.memfd("zcnbrh-test", 10_000, PageSize.BASE, -1)) {
            assertEquals(12288, m.segment().byteSize(), "rounded up to pages");
            int copy = (int) io.zcnbrh.sys.Libc.syscall(32, m.fd(), 0, 0, 0, 0, 0); // dup(2), as SCM_RIGHTS would
            try (Mapping other = Mapping.ofDescriptor(copy, m.segment().byteSize(), "passed memfd")) {
                m.segment().set(JAVA_LONG, 4096, 0x1234_5678_9abcL);
                assertEquals(0x1234_5678_9abcL, other.segment().get(JAVA_LONG, 4096), "one memory, two mappings");
            }
        }
        Path file = dir.resolve("region");
        try (Mapping created = Mapping.createFile(file, 5000, 0600, -1)) {
            SyscallException exists = assertThrows(SyscallException.class, () -> Mapping.createFile(file, 5000, 0600, -1));
            assertTrue(exists.getMessage().contains("EEXIST") && exists.getMessage().contains("another port already uses"),
                exists.getMessage());
            try (Mapping opened = Mapping.openFile(file)) {
                assertEquals(created.segment().byteSize(), opened.segment().byteSize());
            }
        }
        SyscallException noDir = assertThrows(SyscallException.class,
            () -> Mapping.createFile(dir.resolve("no/such/dir/region"), 4096, 0600, -1));
        assertTrue(noDir.getMessage().contains("ENOENT") && noDir.getMessage().contains("does not exist"), noDir.getMessage());
        SyscallException missing = assertThrows(SyscallException.class, () -> Mapping.openFile(dir.resolve("none")));
        assertTrue(missing.getMessage().contains("start the side that creates it first"), missing.getMessage());
        Path foreign = dir.resolve("foreign");
        Files.write(foreign, new byte[100]);
        io.zcnbrh.error.ZcnbrhException notOurs = assertThrows(io.zcnbrh.error.ZcnbrhException.class, () -> Mapping.openFile(foreign));
        assertTrue(notOurs.getMessage().contains("not a Z-CNBRH region"), notOurs.getMessage());
    }
}
