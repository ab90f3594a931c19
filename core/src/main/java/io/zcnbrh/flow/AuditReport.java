package io.zcnbrh.flow;

import java.util.List;
import java.util.Map;

/**
 * The result of {@code Port.audit()}: how many frames are in each place, and every way the counts fail to
 * add up. {@link #ok()} means conservation holds: each frame is in exactly one place (M2, invariant 1).
 */
public record AuditReport(int totalFrames, Map<FramePlace, Integer> byPlace, List<String> problems) {
    /** Copies the collections. */
    public AuditReport {
        byPlace = Map.copyOf(byPlace);
        problems = List.copyOf(problems);
    }

    /** Whether conservation holds. */
    public boolean ok() {
        return problems.isEmpty();
    }

    /** Frames in {@code place}. */
    public int count(FramePlace place) {
        return byPlace.getOrDefault(place, 0);
    }

    /** A report with one more problem. */
    public AuditReport withProblem(String problem) {
        List<String> p = new java.util.ArrayList<>(problems);
        p.add(problem);
        return new AuditReport(totalFrames, byPlace, p);
    }

    @Override
    public String toString() {
        return (ok() ? "ok" : "FAILED " + problems) + " " + totalFrames + " frames " + byPlace;
    }
}
