package io.zcnbrh;

import io.zcnbrh.bpf.programs.XdpProgramFactory;
import io.zcnbrh.filter.PacketFilter;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which XDP program an AF_XDP port attaches in front of its socket: one of four, so a configuration holds exactly
 * one (the builder's last choice wins). A {@link Filtered} program also selects frames on the backends without
 * kernel XDP, where the library runs the same filter in its interpreter.
 */
public sealed interface XdpProgram {
    /** The default: every frame to the socket of its queue. */
    static XdpProgram redirect() {
        return Redirect.INSTANCE;
    }

    /** Only frames matching {@code filter} reach the port (verdict counts filter_socket, filter_pass, filter_drop). */
    static XdpProgram filter(PacketFilter filter) {
        return new Filtered(filter);
    }

    /** A tcpdump expression compiled to a filter; null or blank: {@link #redirect()}. */
    static XdpProgram filter(String expression) {
        return expression == null || expression.isBlank() ? redirect() : new Filtered(PacketFilter.compile(expression));
    }

    /** An object file built by {@code clang -target bpf -c -g}; {@code program} null: its only XDP program. */
    static XdpProgram objectFile(Path file, String program) {
        return new ObjectFile(file, program);
    }

    /** A program of one's own around the XSKMAP (filter, count, drop), assembled by {@code factory}. */
    static XdpProgram custom(XdpProgramFactory factory) {
        return new Custom(factory);
    }

    /** The library's redirect program. */
    enum Redirect implements XdpProgram {
        /** The one redirect program. */
        INSTANCE
    }

    /** A compiled tcpdump filter in front of the redirect. */
    record Filtered(PacketFilter filter) implements XdpProgram {
        /** Rejects a null filter. */
        public Filtered {
            Objects.requireNonNull(filter, "filter");
        }
    }

    /**
     * Bring your own program: the port loads {@code file}, puts its socket into the object's XSKMAP and attaches
     * {@code program} (null: the object's only program).
     */
    record ObjectFile(Path file, String program) implements XdpProgram {
        /** Rejects a null file. */
        public ObjectFile {
            Objects.requireNonNull(file, "file");
        }
    }

    /** A program assembled by a factory of one's own around the port's XSKMAP. */
    record Custom(XdpProgramFactory factory) implements XdpProgram {
        /** Rejects a null factory. */
        public Custom {
            Objects.requireNonNull(factory, "factory");
        }
    }
}
