package io.zcnbrh.bpf.elf;

import io.zcnbrh.error.ZcnbrhException;

/** An object file the loader cannot use: says which file, what is wrong or unsupported, and what to do. */
public final class ElfFormatException extends ZcnbrhException {
    public ElfFormatException(String message) {
        super(message);
    }
}
