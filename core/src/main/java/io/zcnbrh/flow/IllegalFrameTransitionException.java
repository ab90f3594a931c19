package io.zcnbrh.flow;

import io.zcnbrh.error.ZcnbrhException;

/** The application asked for an ownership transition that would give a frame two owners or none (M2). */
public final class IllegalFrameTransitionException extends ZcnbrhException {
    /** Creates the exception with the precise reason; {@code takenAt} is where the frame was last taken, if known. */
    public IllegalFrameTransitionException(String message, Throwable takenAt) {
        super(message, takenAt);
    }
}
