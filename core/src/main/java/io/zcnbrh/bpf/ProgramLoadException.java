package io.zcnbrh.bpf;

import io.zcnbrh.error.ZcnbrhException;

/**
 * The verifier rejected a program: the message holds the errno, the verifier's own last lines, and our
 * disassembly of the instruction it stopped at.
 */
public final class ProgramLoadException extends ZcnbrhException {
    private final int errno;
    private final String verifierLog;
    private final int failedInsn;

    /** Creates the exception. */
    public ProgramLoadException(String message, int errno, String verifierLog, int failedInsn) {
        super(message);
        this.errno = errno;
        this.verifierLog = verifierLog;
        this.failedInsn = failedInsn;
    }

    /** The errno from BPF_PROG_LOAD. */
    public int errno() {
        return errno;
    }

    /** The whole verifier log. */
    public String verifierLog() {
        return verifierLog;
    }

    /** The instruction the verifier stopped at, or -1. */
    public int failedInsn() {
        return failedInsn;
    }
}
