package io.zcnbrh.flow.internal;

import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;

import java.util.function.IntPredicate;

/**
 * A pool of free frames: a stack of frame indexes (last in, first out, so the frame claimed next is the one released
 * last, still warm in the cache). One writer, allocation-free; a push beyond the capacity is a frame given back twice
 * and fails loudly. Every backend keeps its free frames in one of these.
 */
public final class FrameStack {
    private final int[] frames;
    private int top;

    /** An empty pool for up to {@code capacity} frames. */
    public FrameStack(int capacity) {
        this.frames = new int[capacity];
    }

    /** Gives frame {@code frame} to the pool. */
    public void push(int frame) {
        if (top == frames.length) {
            throw new IllegalStateException("frame pool of " + frames.length + " is full: frame " + frame
                + " was given back twice");
        }
        frames[top++] = frame;
    }

    /** Takes the frame given back last; the pool must not be empty. */
    public int pop() {
        return frames[--top];
    }

    public boolean isEmpty() {
        return top == 0;
    }

    /** Frames in the pool. */
    public int size() {
        return top;
    }

    /**
     * The pool's part of a port's audit: {@code report} with a problem for every frame in the pool that is not at
     * {@code place} in {@code ownership} or not one {@code belongs} accepts (a frame of another pool or port).
     */
    public AuditReport audit(AuditReport report, String name, FrameOwnership ownership, FramePlace place,
                             IntPredicate belongs) {
        AuditReport r = report;
        for (int i = 0; i < top; i++) {
            int f = frames[i];
            if (!belongs.test(f) || !ownership.isAt(f, place)) {
                r = r.withProblem(name + " slot " + i + " holds frame " + f + " at " + ownership.placeOf(f));
            }
        }
        return r;
    }
}
