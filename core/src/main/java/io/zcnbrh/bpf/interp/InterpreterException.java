package io.zcnbrh.bpf.interp;

import io.zcnbrh.error.ZcnbrhException;

/** The interpreter met something the kernel's verifier would have refused, or a fault at run time; names the instruction. */
public final class InterpreterException extends ZcnbrhException {
    /** Creates the exception. */
    public InterpreterException(String message) {
        super(message);
    }
}
