package io.zcnbrh.audit;

import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.asm.Assembler;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.zcnbrh.bpf.asm.Assembler.R0;
import static io.zcnbrh.bpf.asm.Assembler.R1;
import static io.zcnbrh.bpf.asm.Op.W;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults and backpressure show up as JFR events (and faults as audit log lines). */
@Tag("kernel")
class JfrEventsTest {
    @TempDir
    Path dir;

    @Test
    void aVerifierRejectionAndBackpressureAreRecorded() throws Exception {
        Path file = dir.resolve("rec.jfr");
        try (Recording rec = new Recording()) {
            rec.enable("io.zcnbrh.Fault");
            rec.enable("io.zcnbrh.Backpressure");
            rec.start();
            // a program reading ctx out of bounds: the verifier refuses it
            assertThrows(RuntimeException.class, () -> BpfProgram.load(ProgramType.XDP,
                new Assembler().ldx(W, R0, R1, 4096).exit().build(), "bad"));
            AuditLog.backpressure("shm:test", "ring_full_count");
            rec.stop();
            rec.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.zcnbrh.Fault")
            && "verifier rejection".equals(e.getString("kind")) && e.getString("where").contains("bad")), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.getEventType().getName().equals("io.zcnbrh.Backpressure")
            && "shm:test".equals(e.getString("port"))), events.toString());
    }
}
