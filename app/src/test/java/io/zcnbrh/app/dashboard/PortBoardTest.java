package io.zcnbrh.app.dashboard;

import io.zcnbrh.stat.CountersFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's rules on counters files given by hand: rates from two samples, the ring-full alert just above the
 * threshold and not at it, the faults (invalid descriptors, a stalled poll loop, a dead process) each in words, a
 * removed file gone at the next sample, and every change in the log.
 */
@Tag("unit")
class PortBoardTest {
    private final List<CountersFile.Snapshot> files = new ArrayList<>();
    private final PortBoard board = new PortBoard(() -> List.copyOf(files));

    private static CountersFile.Snapshot file(String name, boolean alive, long updated, long rx, long ringFull,
                                              long fillEmpty, long invalid) {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("packets_rx", rx);
        counters.put("ring_full_count", ringFull);
        counters.put("xdp_fill_ring_empty", fillEmpty);
        counters.put("invalid_descriptors", invalid);
        return new CountersFile.Snapshot(Path.of("/dev/shm/" + name), 42, alive, "afxdp:" + name + "@0", "copy", "rx",
            updated, counters, Map.of("frames_fill", 2048L));
    }

    private PortView only() {
        assertEquals(1, board.ports().size(), board.ports().toString());
        return board.ports().getFirst();
    }

    @Test
    void ratesComeFromTwoSamplesAndTheAlertStartsAboveTheThreshold() {
        files.add(file("a", true, 1_000, 0, 0, 0, 0));
        board.sample(1_000);
        assertEquals(PortView.State.OK, only().state());
        files.set(0, file("a", true, 2_000, 5_000, 60, 40, 0)); // 100 ring-full events in one second: not above
        board.sample(2_000);
        assertEquals(5_000.0, only().rates().get("packets_rx"));
        assertEquals(100.0, only().ringFullPerSecond());
        assertEquals(PortView.State.OK, only().state());
        files.set(0, file("a", true, 2_500, 6_000, 60, 91, 0)); // 51 in half a second: 102 a second
        board.sample(2_500);
        assertEquals(PortView.State.ALERT, only().state());
        assertTrue(only().reason().contains("ring full 102 times a second"), only().reason());
        assertEquals(List.of(0.0, 5_000.0, 2_000.0), java.util.Arrays.stream(only().historyRxPps()).boxed().toList());
        assertTrue(board.events().getLast().contains("ok -> alert"), board.events().toString());
    }

    @Test
    void faultsAreNamedAndEndedPortsGo() {
        files.add(file("b", true, 1_000, 0, 0, 0, 0));
        board.sample(1_000);
        files.set(0, file("b", true, 2_000, 10, 0, 0, 3));
        board.sample(2_000);
        assertEquals(PortView.State.FAULT, only().state());
        assertTrue(only().reason().contains("3 invalid descriptors"), only().reason());
        board.sample(2_000 + 61_000); // a minute later, no new invalid descriptor, but no update either
        assertTrue(only().reason().contains("no update for 61 s"), only().reason());
        files.set(0, file("b", false, 70_000, 10, 0, 0, 3));
        board.sample(70_000);
        assertTrue(only().reason().contains("process 42 is gone"), only().reason());
        board.sample(70_000 + PortBoard.GONE_SHOWN_MILLIS + 1);
        assertTrue(board.ports().isEmpty(), "a dead process's port is dropped after a while");
        files.set(0, file("c", true, 80_000, 0, 0, 0, 0));
        board.sample(80_000);
        files.clear();
        board.sample(81_000);
        assertTrue(board.ports().isEmpty());
        assertTrue(board.events().getLast().contains("afxdp:c@0 (rx): ended"), board.events().toString());
    }
}
