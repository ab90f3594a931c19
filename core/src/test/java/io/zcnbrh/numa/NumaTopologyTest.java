package io.zcnbrh.numa;

import io.zcnbrh.error.ZcnbrhException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("unit")
class NumaTopologyTest {
    @Test
    void readsAFourSocketFixtureWithAHole(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("online"), "0-1,3\n");
        write(root, 0, "0-7,32-39");
        write(root, 1, "8-15,40-47");
        write(root, 3, "24-31");
        NumaTopology t = NumaTopology.read(root);
        assertEquals(List.of(0, 1, 3), t.nodes());
        assertFalse(t.isOnline(2));
        assertEquals(16, t.cpusOf(0).cardinality());
        assertEquals(1, t.nodeOfCpu(44));
        assertEquals(3, t.nodeOfCpu(24));
        assertEquals(-1, t.nodeOfCpu(100));
        ZcnbrhException e = assertThrows(ZcnbrhException.class, () -> t.cpusOf(2));
        assertTrue(e.getMessage().contains("[0, 1, 3]"), e.getMessage());
    }

    @Test
    void memorylessNodeHasNoCpus(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("online"), "0-1");
        write(root, 0, "0-1");
        Files.createDirectories(root.resolve("node1"));
        Files.writeString(root.resolve("node1/cpulist"), "\n");
        assertTrue(NumaTopology.read(root).cpusOf(1).isEmpty());
    }

    @Test
    void parsesKernelLists() {
        BitSet b = NumaTopology.parseList("0-2,5,7-8");
        assertEquals("{0, 1, 2, 5, 7, 8}", b.toString());
        assertTrue(NumaTopology.parseList("").isEmpty());
        assertThrows(ZcnbrhException.class, () -> NumaTopology.parseList("3-1"));
        assertThrows(ZcnbrhException.class, () -> NumaTopology.parseList("a"));
    }

    @Test
    void thisMachineHasNodeZeroWithEveryCpu() {
        NumaTopology t = NumaTopology.current();
        assertTrue(t.isOnline(0));
        assertTrue(t.cpusOf(0).cardinality() >= 1);
    }

    @Test
    void missingTreeIsAClearError(@TempDir Path root) {
        ZcnbrhException e = assertThrows(ZcnbrhException.class, () -> NumaTopology.read(root.resolve("nope")));
        assertTrue(e.getMessage().contains("sysfs"), e.getMessage());
    }

    private static void write(Path root, int node, String cpus) throws IOException {
        Files.createDirectories(root.resolve("node" + node));
        Files.writeString(root.resolve("node" + node + "/cpulist"), cpus + "\n");
    }
}
