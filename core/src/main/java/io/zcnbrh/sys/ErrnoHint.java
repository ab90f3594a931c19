package io.zcnbrh.sys;

/** Turns an errno from a specific call into advice the user can act on. */
@FunctionalInterface
public interface ErrnoHint {
    /** No advice beyond the errno name. */
    ErrnoHint NONE = errno -> "";

    /** Advice for {@code errno}, or an empty string. */
    String hint(int errno);
}
