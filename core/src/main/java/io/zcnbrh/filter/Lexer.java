package io.zcnbrh.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits a pcap-filter expression into tokens the way libpcap's scanner does for the supported subset: names may
 * hold '-', '_' and '.' ({@code tcp-syn}, {@code ftp-data}); a word with ':' outside brackets is a MAC or IPv6
 * address; {@code 1000-2000} is a number, '-', a number (for portrange).
 */
final class Lexer {
    private static final Pattern NUMBER = Pattern.compile("0[xX][0-9a-fA-F]+|[0-9]+");
    private static final Pattern IPV4 = Pattern.compile("[0-9]+(\\.[0-9]+){1,3}");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}");
    private static final Pattern RANGE = Pattern.compile("([0-9]+)-([0-9]+)");
    private static final String[] PUNCT = {"<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "(", ")", "[", "]", ":",
        "+", "-", "*", "/", "%", "&", "|", "^", "=", "<", ">", "!"};

    private Lexer() {
    }

    static List<Token> tokens(String expr) {
        List<Token> out = new ArrayList<>();
        int depth = 0;
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            boolean escaped = c == '\\';
            int start = escaped ? i + 1 : i;
            int j = start;
            boolean colonsAllowed = depth == 0;
            if (j < n && (isWordStart(expr.charAt(j)) || colonsAllowed && expr.charAt(j) == ':'
                && j + 1 < n && expr.charAt(j + 1) == ':')) {
                while (j < n && (isWordChar(expr.charAt(j)) || colonsAllowed && expr.charAt(j) == ':')) {
                    j++;
                }
                while (j > start + 1 && expr.charAt(j - 1) == '-') {
                    j--; // a trailing '-' is an operator
                }
                word(expr, expr.substring(start, j), start, escaped, out);
                i = j;
                continue;
            }
            if (escaped) {
                throw new FilterSyntaxException(expr, i, "a backslash must be followed by a name (e.g. \\tcp)");
            }
            String p = null;
            for (String candidate : PUNCT) {
                if (expr.startsWith(candidate, i)) {
                    p = candidate;
                    break;
                }
            }
            if (p == null) {
                throw new FilterSyntaxException(expr, i, "unexpected character '" + c + "'");
            }
            if (p.equals("[")) {
                depth++;
            } else if (p.equals("]")) {
                depth = Math.max(0, depth - 1);
            }
            out.add(new Token(Token.Kind.PUNCT, p, i, false));
            i += p.length();
        }
        out.add(new Token(Token.Kind.END, "", n, false));
        return out;
    }

    private static void word(String expr, String w, int pos, boolean escaped, List<Token> out) {
        if (escaped) {
            out.add(new Token(Token.Kind.NAME, w, pos, true));
            return;
        }
        var range = RANGE.matcher(w);
        if (range.matches()) {
            out.add(new Token(Token.Kind.NUMBER, range.group(1), pos, false));
            out.add(new Token(Token.Kind.PUNCT, "-", pos + range.group(1).length(), false));
            out.add(new Token(Token.Kind.NUMBER, range.group(2), pos + range.group(1).length() + 1, false));
        } else if (w.indexOf(':') >= 0) {
            if (MAC.matcher(w).matches()) {
                out.add(new Token(Token.Kind.MAC, w, pos, false));
            } else if (w.matches("[0-9a-fA-F:.]+") && w.chars().filter(ch -> ch == ':').count() >= 2) {
                out.add(new Token(Token.Kind.IPV6, w, pos, false));
            } else {
                throw new FilterSyntaxException(expr, pos, "'" + w + "' is neither a MAC address (6 hex groups) "
                    + "nor an IPv6 address");
            }
        } else if (NUMBER.matcher(w).matches()) {
            out.add(new Token(Token.Kind.NUMBER, w, pos, false));
        } else if (IPV4.matcher(w).matches()) {
            out.add(new Token(Token.Kind.IPV4, w, pos, false));
        } else if (Character.isDigit(w.charAt(0)) && !w.matches("[0-9a-fA-F]+")) {
            throw new FilterSyntaxException(expr, pos, "'" + w + "' is not a number or an address");
        } else {
            out.add(new Token(Token.Kind.NAME, w, pos, false));
        }
    }

    private static boolean isWordStart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-';
    }
}
