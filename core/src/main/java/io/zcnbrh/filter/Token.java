package io.zcnbrh.filter;

/** One token of a pcap-filter expression, with its position for error messages. */
record Token(Kind kind, String text, int pos, boolean escaped) {
    enum Kind {
        /** A name: keyword or identifier ({@code escaped} when written with a backslash, e.g. {@code \tcp}). */
        NAME,
        /** A number: decimal, 0x hexadecimal or 0-prefixed octal. */
        NUMBER,
        /** A dotted IPv4 address or prefix (1 to 4 parts). */
        IPV4,
        /** An IPv6 address. */
        IPV6,
        /** A MAC address (six hex groups separated by colons). */
        MAC,
        /** An operator or bracket. */
        PUNCT,
        /** The end of the expression. */
        END
    }

    boolean is(String s) {
        return (kind == Kind.PUNCT || kind == Kind.NAME && !escaped) && text.equals(s);
    }

    /**
     * The number's value (callers check the kind); Long.MAX_VALUE when it does not fit in a long or is not a
     * number in its base (such as 09), so every caller's range check refuses it with its own message.
     */
    long number() {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.startsWith("0x")) {
                return Long.parseLong(t.substring(2), 16);
            }
            if (t.length() > 1 && t.startsWith("0")) {
                return Long.parseLong(t.substring(1), 8);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException tooLongOrNotInBase) { // found by fuzzing
            return Long.MAX_VALUE;
        }
    }

    String describe() {
        return kind == Kind.END ? "the end of the expression" : "'" + text + "'";
    }
}
