package io.zcnbrh;

/**
 * The entry point: {@code Zcnbrh.open("shm:feed", config)}. The spec's scheme picks the backend ({@link Backends}).
 */
public final class Zcnbrh {
    private Zcnbrh() {
    }

    /** Opens a port with the default configuration. */
    public static Port open(String spec) {
        return open(spec, PortConfig.defaults());
    }

    /** Opens the port named by {@code spec} ({@code scheme:rest}); throws a clear error for an unknown scheme. */
    public static Port open(String spec, PortConfig config) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("port spec '" + spec + "' has no scheme; write SCHEME:TARGET, e.g. "
                + "shm:feed (available backends: " + String.join(", ", Backends.schemes()) + ")");
        }
        String scheme = spec.substring(0, colon);
        Backend backend = Backends.forScheme(scheme);
        if (backend == null) {
            throw new IllegalArgumentException("unknown backend '" + scheme + "' in spec '" + spec
                + "'; this build has: " + String.join(", ", Backends.schemes()));
        }
        return backend.open(spec.substring(colon + 1), config);
    }
}
