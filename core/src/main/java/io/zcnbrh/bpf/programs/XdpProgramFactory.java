package io.zcnbrh.bpf.programs;

import io.zcnbrh.bpf.asm.Insn;

import java.util.List;

/**
 * Builds the XDP program an AF_XDP port attaches, given the port's XSKMAP (a kernel map, to pass to
 * {@code Assembler.ldMap}). The default is {@link XskRedirectProgram}; a factory of one's own filters, counts or
 * drops before redirecting. The program is loaded as XDP and verified by the kernel like any other.
 */
@FunctionalInterface
public interface XdpProgramFactory {
    /** The default: every frame to the socket of its queue, or to the kernel stack when there is none. */
    XdpProgramFactory REDIRECT = XskRedirectProgram::instructions;

    /** The program's instructions, referring to {@code xsks}. */
    List<Insn> build(Object xsks);
}
