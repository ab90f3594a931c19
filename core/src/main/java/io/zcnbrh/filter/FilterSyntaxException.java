package io.zcnbrh.filter;

/**
 * An expression the compiler cannot take: a syntax error, or pcap-filter syntax outside the supported subset.
 * The message names the problem and shows the expression with a caret under the position.
 */
public final class FilterSyntaxException extends IllegalArgumentException {
    private final String expression;
    private final int position;
    private final String problem;

    public FilterSyntaxException(String expression, int position, String problem) {
        super(render(expression, position, problem));
        this.expression = expression;
        this.position = position;
        this.problem = problem;
    }

    private static String render(String expression, int position, String problem) {
        int at = Math.max(0, Math.min(position, expression.length()));
        return "filter: " + problem + " (at column " + (at + 1) + ")\n  " + expression + "\n  " + " ".repeat(at) + "^";
    }

    /** The expression as given. */
    public String expression() {
        return expression;
    }

    /** The 0-based character position of the problem. */
    public int position() {
        return position;
    }

    /** The problem without the expression and caret. */
    public String problem() {
        return problem;
    }
}
