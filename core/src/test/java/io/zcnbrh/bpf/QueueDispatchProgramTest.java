package io.zcnbrh.bpf;

import io.zcnbrh.bpf.asm.Assembler;
import io.zcnbrh.bpf.programs.QueueDispatchProgram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The per-queue dispatch through a PROG_ARRAY, run by the kernel (BPF_PROG_TEST_RUN: rx_queue_index 0). */
@Tag("kernel")
class QueueDispatchProgramTest {
    @Test
    void aFrameRunsItsQueuesProgramAndPassesToTheKernelWhenTheSlotIsEmpty() {
        byte[] frame = new byte[64];
        try (BpfMap slots = BpfMap.create(MapType.PROG_ARRAY, 4, 4, 4, "test_queues");
             BpfProgram dispatch = QueueDispatchProgram.load(slots);
             BpfProgram drop = BpfProgram.load(ProgramType.XDP, new Assembler().ret(TestRunResult.XDP_DROP).build(),
                 "test_drop")) {
            assertEquals(TestRunResult.XDP_PASS, dispatch.testRun(frame).retval(), "empty slot: to the kernel");
            slots.update(0, drop.fd());
            assertEquals(TestRunResult.XDP_DROP, dispatch.testRun(frame).retval(), "queue 0's program decides");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(JAVA_INT);
                k.set(JAVA_INT, 0, 0);
                slots.delete(k);
            }
            assertEquals(TestRunResult.XDP_PASS, dispatch.testRun(frame).retval(), "emptied: to the kernel again");
        }
    }

    @Test
    void onlyAProgArrayWillDo() {
        try (BpfMap array = BpfMap.create(MapType.ARRAY, 4, 4, 4, "test_not_progs")) {
            assertThrows(IllegalArgumentException.class, () -> QueueDispatchProgram.load(array));
        }
    }
}
