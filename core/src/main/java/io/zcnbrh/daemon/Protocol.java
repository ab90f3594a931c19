package io.zcnbrh.daemon;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The daemon's messages: one line of {@code key=value} pairs separated by tabs (values may hold spaces). */
final class Protocol {
    private Protocol() {
    }

    static String format(Map<String, String> fields) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(fields).entrySet()) {
            if (b.length() > 0) {
                b.append('\t');
            }
            b.append(e.getKey()).append('=').append(e.getValue().replace('\t', ' ').replace('\n', ' '));
        }
        return b.toString();
    }

    static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : line.split("\t")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return out;
    }
}
