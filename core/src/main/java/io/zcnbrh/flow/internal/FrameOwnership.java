package io.zcnbrh.flow.internal;

import io.zcnbrh.config.OwnershipMode;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.IllegalFrameTransitionException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The owner of every frame (M2): one byte per frame naming its {@link FramePlace}, and a count per place
 * so that {@link #audit()} can prove conservation (the counts add up to the frame count). In
 * {@link OwnershipMode#CHECKED} it also remembers where each frame was taken, for leak reports and errors.
 * Used by one thread (the port's), or shared: {@link #member()} gives each of several threads its own view of one
 * table (several AF_XDP sockets on one queue, whose frames arrive at whichever socket the program picks). A member
 * moves frames with a compare-and-set on the frame's byte, so two threads can never both take one frame, and counts
 * only the moves it made; the table's audit adds the members' counts up.
 */
public final class FrameOwnership {
    private static final VarHandle PLACE = MethodHandles.arrayElementVarHandle(byte[].class);
    private final byte[] place;
    private final int[] counts = new int[FramePlace.values().length];
    private final Throwable[] takenAt;
    private final boolean checked;
    /** A member's table (null for a table of its own). */
    private final FrameOwnership table;
    /** The members of this table (empty unless shared). */
    private final List<FrameOwnership> members = new CopyOnWriteArrayList<>();
    /** Moves are compare-and-sets (a member of a shared table). */
    private final boolean concurrent;

    /** Tracks {@code frameCount} frames, all starting in {@code initial}. */
    public FrameOwnership(int frameCount, FramePlace initial, OwnershipMode mode) {
        this.place = new byte[frameCount];
        java.util.Arrays.fill(place, (byte) initial.ordinal());
        counts[initial.ordinal()] = frameCount;
        this.checked = mode == OwnershipMode.CHECKED;
        this.takenAt = checked ? new Throwable[frameCount] : null;
        this.table = null;
        this.concurrent = false;
    }

    private FrameOwnership(FrameOwnership table) {
        this.place = table.place;
        this.takenAt = table.takenAt;
        this.checked = table.checked;
        this.table = table;
        this.concurrent = true;
    }

    /**
     * A view of this table for one more thread: the same frames and places, its own counts (of the moves it makes,
     * so they may be negative), moves by compare-and-set. This table itself is then only audited.
     */
    public FrameOwnership member() {
        if (table != null) {
            return table.member();
        }
        FrameOwnership m = new FrameOwnership(this);
        members.add(m);
        return m;
    }

    /** Whether this table records take sites and rejects use after release. */
    public boolean checked() {
        return checked;
    }

    /** Number of frames tracked. */
    public int frameCount() {
        return place.length;
    }

    /** Where frame {@code frame} is. */
    public FramePlace placeOf(int frame) {
        return FramePlace.of(place[frame]);
    }

    /** Whether frame {@code frame} is in {@code expected} (one byte compare; the data-path check). */
    public boolean isAt(int frame, FramePlace expected) {
        return place[frame] == (byte) expected.ordinal();
    }

    /** Frames currently in {@code where} (for a member: the frames its own moves put there, less those taken out). */
    public int count(FramePlace where) {
        return counts[where.ordinal()];
    }

    /** Moves a frame that must be in {@code from}; returns false (and changes nothing) when it is not. */
    public boolean tryMove(int frame, FramePlace from, FramePlace to) {
        if (concurrent) {
            if (!PLACE.compareAndSet(place, frame, (byte) from.ordinal(), (byte) to.ordinal())) {
                return false;
            }
        } else if (place[frame] != (byte) from.ordinal()) {
            return false;
        } else {
            place[frame] = (byte) to.ordinal();
        }
        counts[from.ordinal()]--;
        counts[to.ordinal()]++;
        return true;
    }

    /** Moves a frame into {@link FramePlace#APP} and, in checked mode, records where. */
    public boolean tryTake(int frame, FramePlace from) {
        if (!tryMove(frame, from, FramePlace.APP)) {
            return false;
        }
        if (checked) {
            takenAt[frame] = new Throwable("frame " + frame + " taken by the application here");
        }
        return true;
    }

    /**
     * Moves a frame the application holds to {@code to}, or throws a precise error naming the illegal
     * transition: {@code action} is what the application tried ("release", "forward", "transmit").
     */
    public void giveUp(int frame, FramePlace to, String action) {
        if (concurrent) {
            if (!PLACE.compareAndSet(place, frame, (byte) FramePlace.APP.ordinal(), (byte) to.ordinal())) {
                throw illegal(frame, action);
            }
        } else if (place[frame] != (byte) FramePlace.APP.ordinal()) {
            throw illegal(frame, action);
        } else {
            place[frame] = (byte) to.ordinal();
        }
        counts[FramePlace.APP.ordinal()]--;
        counts[to.ordinal()]++;
    }

    /** The error for an application action on a frame it does not hold. */
    public IllegalFrameTransitionException illegal(int frame, String action) {
        FramePlace now = placeOf(frame);
        String why = switch (now) {
            case FREE -> "it is already back in the free pool: double " + action + " or use after release";
            case PEER -> "it belongs to the peer process: a packet from another port, or " + action
                + " after it was already handed on";
            case APP -> "it is held by the application";
            default -> "it is at " + now + ": the application never received it";
        };
        Throwable where = checked ? takenAt[frame] : null;
        return new IllegalFrameTransitionException("cannot " + action + " frame " + frame + ": " + why
            + (checked ? "" : " (open the port with OwnershipMode.CHECKED to see where it was taken)"), where);
    }

    /**
     * Proves conservation: the per-place counts add up to the frame count and agree with the table. A shared table
     * (and each of its members) adds the members' counts to its own; exact while the members' threads are quiet.
     */
    public AuditReport audit() {
        if (table != null) {
            return table.audit();
        }
        int[] total = counts.clone();
        for (FrameOwnership m : members) {
            for (int p = 0; p < total.length; p++) {
                total[p] += m.counts[p];
            }
        }
        Map<FramePlace, Integer> byPlace = new EnumMap<>(FramePlace.class);
        int[] recount = new int[total.length];
        for (byte b : place) {
            recount[b]++;
        }
        long sum = 0;
        List<String> problems = new ArrayList<>();
        for (FramePlace p : FramePlace.values()) {
            if (total[p.ordinal()] != 0) {
                byPlace.put(p, total[p.ordinal()]);
            }
            sum += total[p.ordinal()];
            if (recount[p.ordinal()] != total[p.ordinal()]) {
                problems.add(p + " counted " + total[p.ordinal()] + " but the table holds " + recount[p.ordinal()]);
            }
        }
        if (sum != place.length) {
            problems.add("counts add up to " + sum + ", not " + place.length);
        }
        return new AuditReport(place.length, byPlace, problems);
    }

    /** The frames the application still holds, with where each was taken in checked mode. */
    public List<String> heldByApplication() {
        List<String> held = new ArrayList<>();
        for (int i = 0; i < place.length; i++) {
            if (place[i] == (byte) FramePlace.APP.ordinal()) {
                String site = "";
                if (checked && takenAt[i] != null) {
                    StackTraceElement[] st = takenAt[i].getStackTrace();
                    site = st.length > 0 ? " taken at " + firstCallerOutsideLibrary(st) : "";
                }
                held.add("frame " + i + site);
            }
        }
        return held;
    }

    private static final java.security.CodeSource LIBRARY = FrameOwnership.class.getProtectionDomain().getCodeSource();

    /** The first frame of the trace whose class is not the library's own (the application's call site). */
    private static String firstCallerOutsideLibrary(StackTraceElement[] trace) {
        for (StackTraceElement e : trace) {
            try {
                Class<?> c = Class.forName(e.getClassName(), false, FrameOwnership.class.getClassLoader());
                java.security.CodeSource source = c.getProtectionDomain().getCodeSource();
                if (source != null && !source.equals(LIBRARY) && !c.getName().startsWith("jdk.")
                    && !c.getName().startsWith("java.")) {
                    return e.toString();
                }
            } catch (ClassNotFoundException | LinkageError notVisible) {
                return e.toString(); // not the library's, since the library's loader cannot see it
            }
        }
        return trace.length > 0 ? trace[trace.length - 1].toString() : "(unknown)";
    }
}
