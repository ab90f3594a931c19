package io.zcnbrh;

/**
 * A kind of port, named by the scheme of a spec ({@code afxdp:eth1@0} is the {@code afxdp} backend opening
 * {@code eth1@0}). Backends are found with {@link java.util.ServiceLoader} (META-INF/services/io.zcnbrh.Backend,
 * and {@code provides} in the module descriptor), so {@link Zcnbrh#open} and {@code auto:} iterate them instead of
 * naming them: a new backend is a package with a provider, and nothing above it changes.
 */
public interface Backend {
    /** The scheme that selects this backend in a spec, such as {@code afxdp}. */
    String scheme();

    /** Opens {@code target} (the spec after the scheme's colon); throws a clear error when it cannot. */
    Port open(String target, PortConfig config);

    /**
     * What {@code auto:IFACE} tries with this backend on interface {@code ifname} (the target, as for {@link #open}),
     * or null when {@code auto:} does not try it. Default: not tried.
     */
    default String autoTarget(String ifname) {
        return null;
    }

    /** Where {@code auto:} tries this backend: lower first, for the better path. */
    default int autoRank() {
        return Integer.MAX_VALUE;
    }

    /** Whether one port of this backend serves one receive queue (auto skips it on a multi-queue interface). */
    default boolean servesOneQueue() {
        return false;
    }
}
