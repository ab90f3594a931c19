package io.zcnbrh.daemon;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The daemon's messages (client and server): one line of {@code key=value} pairs separated by tabs (values may hold spaces). */
public final class Protocol {
    private Protocol() {
    }

    public static String format(Map<String, String> fields) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(fields).entrySet()) {
            if (b.length() > 0) {
                b.append('\t');
            }
            b.append(e.getKey()).append('=').append(e.getValue().replace('\t', ' ').replace('\n', ' '));
        }
        return b.toString();
    }

    /**
     * {@code text} as it may appear in a log line or a reply: control characters and non-ASCII written as
     * escapes (backslash, x or u, hex digits), at most 200 characters (a client's text cannot forge log lines).
     */
    public static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (; i < text.length() && b.length() < 200; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return i < text.length() ? b + "..." : b.toString();
    }

    public static Map<String, String> parse(String line) {
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
