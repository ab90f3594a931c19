package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.ZcnbrhException;

import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a named network namespace ({@code ip netns add NAME}, bound at /run/netns/NAME). The namespace
 * of a thread is its own ({@code setns(2)} with CLONE_NEWNET affects only the calling thread), so the work runs on
 * a fresh thread that enters the namespace and ends there: the caller's namespace never changes. File
 * descriptors made inside (sockets, BPF links) keep working from any thread afterwards.
 */
public final class NetNamespace {
    private static final int CLONE_NEWNET = 0x40000000;

    private NetNamespace() {
    }

    /**
     * A thread factory whose threads live in namespace {@code name}: each enters it before running its work, so
     * everything it opens (an event loop's ports and sockets, its rtnetlink queries) belongs there. A thread that
     * cannot enter fails at once with the reason instead of running in the wrong namespace.
     */
    public static ThreadFactory threadFactory(String name) {
        AtomicInteger n = new AtomicInteger();
        return work -> new Thread(() -> {
            enter(name);
            work.run();
        }, "netns-" + name + "-" + n.incrementAndGet());
    }

    /** Moves the calling thread into namespace {@code name} (setns(2) with CLONE_NEWNET: this thread only). */
    private static void enter(String name) {
        int fd = Libc.open("/run/netns/" + name, Libc.O_RDONLY, 0,
            e -> e == Errno.ENOENT ? "no network namespace '" + name + "' (see `ip netns list`)" : "");
        try {
            Libc.orThrow(Libc.setns(fd, CLONE_NEWNET), "setns(" + name + ", CLONE_NEWNET)",
                e -> e == Errno.EPERM ? "entering a network namespace needs CAP_SYS_ADMIN" : "");
        } finally {
            Libc.close(fd);
        }
    }

    /** Calls {@code work} inside namespace {@code name} and returns its result. */
    public static <T> T call(String name, Callable<T> work) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try { // the entering too: an exception outside would end the thread silently and call() return null
                enter(name);
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "netns-" + name);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZcnbrhException("interrupted while working in namespace " + name, e);
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        if (f != null) {
            throw new ZcnbrhException("failed in namespace " + name + ": " + f.getMessage(), f);
        }
        return result.get();
    }
}
