package io.zcnbrh.bpf;

import io.zcnbrh.bpf.selftest.SelfTest;
import io.zcnbrh.bpf.selftest.SelfTestCases;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The self-test corpus: every case loaded into this kernel and run there and in the interpreter; all must agree. */
@Tag("kernel")
class SelfTestTest {
    @Test
    void kernelAndInterpreterAgreeOnEveryCase() throws Exception {
        long fdsBefore = BpfKernelTest.openFds();
        List<SelfTest.Outcome> outcomes = SelfTest.runAll(42);
        assertTrue(outcomes.size() >= 50, "at least 50 cases, have " + outcomes.size());
        String failures = outcomes.stream().filter(o -> !o.agree()).map(o -> o.name() + ": " + o.detail())
            .collect(Collectors.joining("\n"));
        assertEquals("", failures, failures);
        assertEquals(SelfTestCases.all().size(), outcomes.size());
        // a leak would be one fd or more per case (154); other test threads may close theirs meanwhile
        long after = BpfKernelTest.openFds();
        assertTrue(after <= fdsBefore, "the self-test leaves nothing open: " + fdsBefore + " before, " + after + " after");
    }
}
