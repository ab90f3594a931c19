package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.ZcnbrhException;

import java.util.concurrent.Callable;
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

    /** Calls {@code work} inside namespace {@code name} and returns its result. */
    public static <T> T call(String name, Callable<T> work) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int fd = -1;
            try { // the open too: an exception outside would end the thread silently and call() would return null
                fd = Libc.open("/run/netns/" + name, Libc.O_RDONLY, 0,
                    e -> e == Errno.ENOENT ? "no network namespace '" + name + "' (see `ip netns list`)" : "");
                Libc.orThrow(Libc.setns(fd, CLONE_NEWNET), "setns(" + name + ", CLONE_NEWNET)",
                    e -> e == Errno.EPERM ? "entering a network namespace needs CAP_SYS_ADMIN" : "");
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                if (fd >= 0) {
                    Libc.close(fd);
                }
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
