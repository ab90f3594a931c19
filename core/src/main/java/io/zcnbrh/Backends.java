package io.zcnbrh;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** The backends this build provides (found once through {@link ServiceLoader}), by scheme and in auto's order. */
public final class Backends {
    private static final Map<String, Backend> BY_SCHEME = load();

    private Backends() {
    }

    private static Map<String, Backend> load() {
        Map<String, Backend> m = new LinkedHashMap<>();
        for (Backend b : ServiceLoader.load(Backend.class, Backend.class.getClassLoader())) {
            Backend before = m.putIfAbsent(b.scheme(), b);
            if (before != null) {
                throw new IllegalStateException("two backends for scheme '" + b.scheme() + "': "
                    + before.getClass().getName() + " and " + b.getClass().getName());
            }
        }
        return Map.copyOf(m);
    }

    /** The backend for {@code scheme}, or null. */
    public static Backend forScheme(String scheme) {
        return BY_SCHEME.get(scheme);
    }

    /** Every scheme, sorted. */
    public static List<String> schemes() {
        return BY_SCHEME.keySet().stream().sorted().toList();
    }

    /** The backends {@code auto:} tries, best first. */
    public static List<Backend> inAutoOrder() {
        return BY_SCHEME.values().stream().filter(b -> b.autoRank() != Integer.MAX_VALUE)
            .sorted(Comparator.comparingInt(Backend::autoRank)).toList();
    }
}
