package io.zcnbrh;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The library as a module (target/classes, the exploded module the jar is made of): it exports the API, its value
 * types, eBPF, filters and pcap and nothing else, and a modular application finds every backend through the
 * module's {@code provides}.
 */
@Tag("unit")
class ModuleDescriptorTest {
    private static final Path CLASSES = Path.of("target", "classes");

    @Test
    void exportsTheApiAndNoInternals() {
        ModuleDescriptor d = ModuleFinder.of(CLASSES).find("io.zcnbrh").orElseThrow().descriptor();
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
            .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("io.zcnbrh", "io.zcnbrh.config", "io.zcnbrh.error", "io.zcnbrh.flow",
            "io.zcnbrh.bpf", "io.zcnbrh.bpf.asm", "io.zcnbrh.bpf.elf", "io.zcnbrh.bpf.interp", "io.zcnbrh.bpf.link",
            "io.zcnbrh.bpf.programs", "io.zcnbrh.filter", "io.zcnbrh.pcap", "io.zcnbrh.udp")), exported);
        for (String internal : d.packages()) {
            if (internal.startsWith("io.zcnbrh.backend") || internal.startsWith("io.zcnbrh.sys")
                || internal.equals("io.zcnbrh.ring") || internal.equals("io.zcnbrh.mem")
                || internal.equals("io.zcnbrh.flow.internal")) {
                assertFalse(exported.contains(internal), internal + " is exported");
            }
        }
    }

    @Test
    void aModularApplicationFindsEveryBackend() throws Exception {
        ModuleFinder finder = ModuleFinder.of(CLASSES);
        Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), Set.of("io.zcnbrh"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Class<?> spi = layer.findLoader("io.zcnbrh").loadClass("io.zcnbrh.Backend");
        Set<String> schemes = new TreeSet<>();
        for (Object b : ServiceLoader.load(layer, spi)) {
            schemes.add((String) spi.getMethod("scheme").invoke(b));
        }
        assertEquals(new TreeSet<>(Set.of("afpacket", "afxdp", "auto", "iouring", "shm", "socket", "zcnbrhd")),
            schemes);
        assertFalse(layer.findModule("io.zcnbrh").orElseThrow().isExported("io.zcnbrh.backend"),
            "the port machinery (Frame, with Packet's mutators) is not for applications");
    }
}
