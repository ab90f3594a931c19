package io.zcnbrh.mem;

import io.zcnbrh.error.ZcnbrhException;

/** A file to be mapped that this process must not trust (owned by another user, writable by all, not a regular file). */
public final class UntrustedFileException extends ZcnbrhException {
    public UntrustedFileException(String message) {
        super(message);
    }
}
