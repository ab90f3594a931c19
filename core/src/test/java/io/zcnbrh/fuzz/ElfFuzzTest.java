package io.zcnbrh.fuzz;

import org.junit.jupiter.api.Tag;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.zcnbrh.bpf.elf.BpfObject;
import io.zcnbrh.error.ZcnbrhException;

/**
 * A BPF object file is untrusted input ({@code rx --xdp-object FILE}): any bytes load (maps created, programs
 * through the kernel's verifier) or fail with a clear error, never another exception or a crash. Seeds: clang's
 * objects of src/test/resources/bpf/count_redirect.c with and without BTF; regression inputs in
 * src/test/resources/io/zcnbrh/fuzz/ElfFuzzTestInputs/.
 */
@Tag("unit")
class ElfFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void anyBytesLoadOrFailClearly(byte[] bytes) {
        try (BpfObject ignored = BpfObject.load(bytes, "fuzz.o")) {
            // loaded: its maps and programs are closed again
        } catch (ZcnbrhException | IllegalArgumentException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("an error without a message", expected);
            }
        }
    }
}
