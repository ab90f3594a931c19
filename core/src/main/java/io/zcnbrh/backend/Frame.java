package io.zcnbrh.backend;

import io.zcnbrh.Packet;
import io.zcnbrh.flow.internal.FrameOwnership;

import java.lang.foreign.MemorySegment;

/**
 * The port machinery's side of a {@link Packet}: the one flyweight per frame a port makes when it opens, with the
 * calls that lend it out, size it and take it back, which {@link Packet} keeps from applications. This package is
 * not exported by the module descriptor: an application sees only {@link Packet}.
 */
public final class Frame extends Packet {
    /** Frame {@code frame} whose data starts at {@code address} of {@code region} (metadata: the u64 before it). */
    public Frame(int frame, long address, MemorySegment data, MemorySegment region, FrameOwnership ownership) {
        super(frame, address, data, region, ownership);
    }

    @Override
    public void lend(int length, long timestampNanos) {
        super.lend(length, timestampNanos);
    }

    @Override
    public void lendAt(long address, MemorySegment data, int length, long timestampNanos) {
        super.lendAt(address, data, length, timestampNanos);
    }

    @Override
    public void lendReceived(int length) {
        super.lendReceived(length);
    }

    @Override
    public int loans() {
        return super.loans();
    }

    @Override
    public void length(int length) {
        super.length(length);
    }

    @Override
    public void timestampNanos(long nanos) {
        super.timestampNanos(nanos);
    }

    @Override
    public void appendFragment(Packet last, Packet fragment) {
        super.appendFragment(last, fragment);
    }

    /** Takes this fragment out of its packet; returns the next one (a {@link Frame}, or null). */
    @Override
    public Frame detach() {
        return (Frame) super.detach();
    }

    @Override
    public void markRxMetadata() {
        super.markRxMetadata();
    }

    @Override
    public boolean dropHolder() {
        return super.dropHolder();
    }
}
