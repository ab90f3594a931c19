package io.zcnbrh.zcnbrhd;

import io.zcnbrh.sys.UnixSocket;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** zcnbrhd's grants in order; the first that covers a request decides. Nothing is allowed that no line allows. */
public final class Policy {
    private final List<Grant> grants;

    private Policy(List<Grant> grants) {
        this.grants = List.copyOf(grants);
    }

    /** A policy of these grants. */
    public static Policy of(List<Grant> grants) {
        return new Policy(grants);
    }

    /** A policy of these grants. */
    public static Policy of(Grant... grants) {
        return new Policy(List.of(grants));
    }

    /** Reads a policy file: one grant per line, {@code #} starts a comment; errors name the line. */
    public static Policy read(Path file) throws IOException {
        List<Grant> out = new ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            String l = line.replaceAll("#.*", "").trim();
            if (!l.isEmpty()) {
                try {
                    out.add(Grant.parse(l));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(file + " line " + n + ": " + e.getMessage(), e);
                }
            }
        }
        return new Policy(out);
    }

    /** This policy followed by {@code more}. */
    public Policy and(Policy more) {
        List<Grant> all = new ArrayList<>(grants);
        all.addAll(more.grants);
        return new Policy(all);
    }

    /** The first grant covering the request, or null. */
    public Grant find(UnixSocket.Credentials who, String ifname, int queue) {
        for (Grant g : grants) {
            if (g.covers(who, ifname, queue)) {
                return g;
            }
        }
        return null;
    }

    /** The grants, in order. */
    public List<Grant> grants() {
        return grants;
    }

    @Override
    public String toString() {
        return grants.toString();
    }
}
