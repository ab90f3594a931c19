package io.zcnbrh;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The library's architecture as a test (docs/ARCHITECTURE.md draws it): every package has a layer, a class depends
 * only on its own package or on lower layers (so there is no upward import and no cycle between packages, and no
 * backend depends on another), and every test class says which lane it runs in.
 */
@Tag("unit")
class ArchitectureTest {
    /**
     * The layers, lowest first. A package may use its own package and any package of a lower layer; packages of the
     * same layer do not know each other (one backend never imports another).
     */
    static final Map<String, Integer> LAYER = Map.ofEntries(
        // 0: leaves: errors, the ring protocol, the pcap format, JFR audit events, the BPF instruction set
        entry("io.zcnbrh.error", 0), entry("io.zcnbrh.ring", 0), entry("io.zcnbrh.pcap", 0),
        entry("io.zcnbrh.audit", 0), entry("io.zcnbrh.bpf.asm", 0),
        // the value types of the configuration (page size, backpressure, ownership mode), used at every layer
        entry("io.zcnbrh.config", 0),
        // 1-2: the kernel's calls and ABI (FFM, errno, uapi constants), CPU and NUMA placement, the bpf(2) ABI
        entry("io.zcnbrh.sys", 1),
        entry("io.zcnbrh.numa", 2), entry("io.zcnbrh.bpf.sys", 2), entry("io.zcnbrh.perf", 2),
        // 3: memory; the frames' places, the audit report and waiting (the API's part of flow); BPF objects
        entry("io.zcnbrh.mem", 3), entry("io.zcnbrh.flow", 3), entry("io.zcnbrh.bpf", 3),
        // 4: frame ownership and how a receiver waits (flow's internals, not exported)
        entry("io.zcnbrh.flow.internal", 4),
        // 4-5: what is built on BPF objects: attachment, ELF, the interpreter, programs, self-test, filters
        entry("io.zcnbrh.bpf.link", 4), entry("io.zcnbrh.bpf.elf", 4), entry("io.zcnbrh.bpf.interp", 4),
        entry("io.zcnbrh.bpf.programs", 4),
        entry("io.zcnbrh.bpf.selftest", 5), entry("io.zcnbrh.filter", 5),
        // 6: the API: Port, Packet, PortConfig, Backend, Zcnbrh
        entry("io.zcnbrh", 6),
        // 7: the port machinery every backend shares; the counters file of zcnbrh stat
        entry("io.zcnbrh.backend", 7), entry("io.zcnbrh.stat", 7), entry("io.zcnbrh.udp", 7),
        // 8: the backends, each behind the Backend SPI
        entry("io.zcnbrh.backend.afxdp", 8), entry("io.zcnbrh.backend.afpacket", 8),
        entry("io.zcnbrh.backend.iouring", 8), entry("io.zcnbrh.backend.shm", 8), entry("io.zcnbrh.backend.socket", 8),
        // 9: the zcnbrhd client backend (and the wire protocol its server, in the daemon module, speaks) stands on AF_XDP
        entry("io.zcnbrh.daemon", 9));

    /** The lanes a test class can run in (README: ./run-tests.sh --fast runs "unit"). */
    static final Set<String> LANES = Set.of("unit", "kernel", "model");

    private static JavaClasses main;
    private static JavaClasses tests;

    @BeforeAll
    static void importClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.zcnbrh");
        tests = new ClassFileImporter().withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
            .importPackages("io.zcnbrh");
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> missing = new TreeSet<>();
        for (JavaClass c : main) {
            if (!LAYER.containsKey(c.getPackageName())) {
                missing.add(c.getPackageName());
            }
        }
        assertEquals(Set.of(), missing, "a new package gets a layer in ArchitectureTest.LAYER and docs/ARCHITECTURE.md");
    }

    @Test
    void noClassUsesAHigherLayerOrASiblingPackage() {
        Set<String> violations = new TreeSet<>();
        for (JavaClass c : main) {
            Integer from = LAYER.get(c.getPackageName());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = d.getTargetClass().getPackageName();
                if (from == null || !to.startsWith("io.zcnbrh") || to.equals(c.getPackageName())) {
                    continue;
                }
                Integer layer = LAYER.get(to);
                if (layer == null || layer >= from) {
                    violations.add(c.getPackageName() + " (layer " + from + ") -> " + to + " (layer " + layer + "): "
                        + d.getDescription());
                }
            }
        }
        assertEquals(List.of(), List.copyOf(violations).subList(0, Math.min(20, violations.size())),
            violations.size() + " dependencies go up or sideways");
    }

    @Test
    void everyTestClassSaysItsLane() {
        Set<String> wrong = new TreeSet<>();
        for (JavaClass c : tests) {
            boolean isTest = c.getMethods().stream().anyMatch(m -> m.getAnnotations().stream().anyMatch(a -> {
                String n = a.getRawType().getName();
                return n.equals("org.junit.jupiter.api.Test") || n.startsWith("org.junit.jupiter.params.")
                    || n.equals("org.junit.jupiter.api.RepeatedTest") || n.equals("org.junit.jupiter.api.TestFactory")
                    || n.equals("com.code_intelligence.jazzer.junit.FuzzTest");
            }));
            if (!isTest || c.isNestedClass()) {
                continue;
            }
            long lanes = c.tryGetAnnotationOfType(Tag.class).map(t -> LANES.contains(t.value()) ? 1L : 0L).orElse(0L);
            if (lanes != 1) {
                wrong.add(c.getName());
            }
        }
        assertEquals(Set.of(), wrong, "each test class carries one lane tag: @Tag(\"unit\"), \"kernel\" or \"model\"");
    }
}
