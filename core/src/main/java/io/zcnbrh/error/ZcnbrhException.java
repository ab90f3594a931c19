package io.zcnbrh.error;

/** Base of every error Z-CNBRH raises: the message says what failed and what to do. */
public class ZcnbrhException extends RuntimeException {
    /** Creates an exception with an actionable message. */
    public ZcnbrhException(String message) {
        super(message);
    }

    /** Creates an exception with an actionable message and its cause. */
    public ZcnbrhException(String message, Throwable cause) {
        super(message, cause);
    }
}
