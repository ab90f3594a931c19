package io.zcnbrh.backend.afxdp;

import io.zcnbrh.flow.internal.FrameOwnership;

/**
 * What a consumer of a shared queue ({@link AfXdpSharedQueue}) shares with the others and what is its own: the one
 * fill ring and its member view of the one ownership table; its XSKMAP {@code slot} of {@code consumers}; the frames
 * {@code firstFrame .. firstFrame + frames - 1}, which it puts on the fill ring at open (after that every frame goes
 * wherever the kernel takes it); {@code spread}, how the program picks a consumer, for the mode line.
 */
record QueueShare(SharedFillRing fill, FrameOwnership ownership, int slot, int consumers, int firstFrame, int frames,
                  String spread) {
}
