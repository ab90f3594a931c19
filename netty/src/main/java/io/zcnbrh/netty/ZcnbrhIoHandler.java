package io.zcnbrh.netty;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;

import io.zcnbrh.udp.Wakeup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Netty 4.2's I/O handler for zcnbrh ports: {@code new MultiThreadIoEventLoopGroup(1, ZcnbrhIoHandler.newFactory())}
 * in place of an epoll or NIO group, with {@link ZcnbrhDatagramChannel} as the channel class. Each turn of the event
 * loop polls every registered channel (receive what arrived, send what waits); when none had anything and the loop
 * may block, it waits in poll(2) on the port's descriptor and an eventfd for at most a millisecond: a datagram or
 * {@link #wakeup} (a task from another thread, such as a write) ends the wait at once, as epoll's eventfd does for
 * Netty's own transport. The first version waited the port's way, in poll(2) on the port alone, and a write from
 * another thread waited out the millisecond (round trip p50 1084 us, measured). With several channels it parks for
 * 50 us at a time.
 */
public final class ZcnbrhIoHandler implements IoHandler {
    private static final long MAX_WAIT_NANOS = 1_000_000L;
    /** What {@link #wakeup} writes to end a wait in poll(2) at once (an eventfd). */
    private final Wakeup wakeup = Wakeup.open();
    private final List<ZcnbrhIoHandle> handles = new ArrayList<>();
    private final AtomicBoolean wakeUp = new AtomicBoolean();
    private volatile Thread loop;

    private ZcnbrhIoHandler() {
    }

    /** The factory for {@code MultiThreadIoEventLoopGroup}. */
    public static IoHandlerFactory newFactory() {
        return executor -> new ZcnbrhIoHandler();
    }

    @Override
    public int run(IoHandlerContext context) {
        loop = Thread.currentThread();
        int work = pollAll();
        if (work == 0 && context.canBlock() && !wakeUp.getAndSet(false)) {
            long wait = Math.min(MAX_WAIT_NANOS, Math.max(0, context.delayNanos(System.nanoTime())));
            if (wait > 0) {
                if (handles.size() == 1) {
                    handles.get(0).await(wait, wakeup); // poll(2) on the port and the eventfd wakeup() writes
                } else {
                    LockSupport.parkNanos(this, Math.min(wait, 50_000L));
                }
                work = pollAll();
            }
        }
        return work;
    }

    private int pollAll() {
        int work = 0;
        for (int i = 0; i < handles.size(); i++) {
            work += handles.get(i).poll();
        }
        return work;
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof ZcnbrhIoHandle h)) {
            throw new IllegalArgumentException("a ZcnbrhIoHandler drives zcnbrh channels (ZcnbrhDatagramChannel), not "
                + handle.getClass().getName());
        }
        handles.add(h);
        return new Registration(h);
    }

    @Override
    public void wakeup() {
        wakeUp.set(true);
        wakeup.wake();
        Thread t = loop;
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return ZcnbrhIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public void prepareToDestroy() {
        for (ZcnbrhIoHandle h : new ArrayList<>(handles)) {
            try {
                h.close();
            } catch (Exception e) {
                System.getLogger("io.zcnbrh.netty").log(System.Logger.Level.DEBUG, "closing " + h + ": " + e);
            }
        }
    }

    @Override
    public void destroy() {
        handles.clear();
        wakeup.close();
    }

    /** A channel's place in this handler: cancelled, the channel is no longer polled. */
    private final class Registration implements IoRegistration {
        private final ZcnbrhIoHandle handle;
        private boolean valid = true;

        Registration(ZcnbrhIoHandle handle) {
            this.handle = handle;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            return 0; // nothing to arm: a handle is polled on every turn
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public boolean cancel() {
            if (!valid) {
                return false;
            }
            valid = false;
            handles.remove(handle);
            handle.unregistered();
            return true;
        }
    }
}
