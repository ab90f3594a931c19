package io.zcnbrh.netty;

import io.netty.channel.IoHandle;
import io.zcnbrh.udp.Wakeup;

/**
 * What {@link ZcnbrhIoHandler} drives: a channel over a zcnbrh port, asked on every turn of the event loop to take
 * what arrived and to send what waits. Zcnbrh ports are polled rings, not file descriptors made ready by epoll, so
 * the handle does its I/O when asked and says how much it did.
 */
interface ZcnbrhIoHandle extends IoHandle {
    /** Receives and sends what it can without waiting; returns how many datagrams it moved (0: nothing to do). */
    int poll();

    /** Waits up to {@code nanos} for traffic or {@code wakeup}; only called when one handle is registered. */
    void await(long nanos, Wakeup wakeup);
}
