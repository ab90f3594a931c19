package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A Unix domain SOCK_SEQPACKET socket through FFM, with what the JDK's channels lack: passing file descriptors
 * (SCM_RIGHTS, unix(7)) and the peer's credentials (SO_PEERCRED). The zcnbrhd daemon hands bound AF_XDP sockets
 * and UMEM memfds to unprivileged applications over it; message boundaries are kept (SEQPACKET).
 */
public final class UnixSocket implements AutoCloseable {
    private static final int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 02000000;
    private static final int SCM_RIGHTS = 1, SO_PEERCRED = 17, SO_RCVTIMEO = 20;
    private static final int MAX_FDS = 8;

    private final int fd;
    private boolean closed;

    private UnixSocket(int fd) {
        this.fd = fd;
    }

    /** The peer's process, user and group ids, from the kernel (they cannot be forged by the peer). */
    public record Credentials(int pid, int uid, int gid) {
    }

    /** A message: its bytes and the file descriptors that came with it (now open in this process). */
    public record Message(byte[] data, int[] fds) {
    }

    /** Listens on {@code path} (created with mode 0666 minus the umask; remove a stale file first). */
    public static UnixSocket listen(String path, int backlog) {
        int fd = open();
        try (Arena a = Arena.ofConfined()) {
            Libc.orThrow(Libc.bind(fd, address(a, path)), "bind(AF_UNIX " + path + ")", e -> e == Errno.EADDRINUSE
                ? "a socket file is there: another daemon runs, or a stale file to remove" : "");
            int rc = Libc.listen(fd, backlog);
            if (rc != 0) {
                throw new SyscallException("listen(" + path + ")", -rc, "");
            }
            return new UnixSocket(fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** Connects to {@code path}. */
    public static UnixSocket connect(String path) {
        int fd = open();
        try (Arena a = Arena.ofConfined()) {
            int rc = -Libc.connect(fd, address(a, path)); // the errno, or 0
            if (rc != 0) {
                throw new SyscallException("connect(AF_UNIX " + path + ")", rc, switch (rc) {
                    case Errno.ENOENT, 111 -> "no zcnbrhd listens there (start it: zcnbrh daemon --socket " + path + ")";
                    case Errno.EACCES -> "the socket's permissions do not let this user in";
                    default -> "";
                });
            }
            return new UnixSocket(fd);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static int open() {
        return Libc.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, "AF_UNIX SOCK_SEQPACKET", e -> "");
    }

    private static MemorySegment address(Arena a, String path) {
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length >= 108) {
            throw new IllegalArgumentException("a Unix socket path has at most 107 bytes: " + path);
        }
        MemorySegment sa = a.allocate(110, 2);
        sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, sa, JAVA_BYTE, 2, p.length);
        return sa;
    }

    /** Waits for the next connection. */
    public UnixSocket accept() {
        int c = Libc.accept(fd, SOCK_CLOEXEC);
        if (c < 0) {
            throw new SyscallException("accept(AF_UNIX)", -c, "");
        }
        return new UnixSocket(c);
    }

    /** Sends {@code data} with {@code fds} attached (SCM_RIGHTS): the peer receives its own copies of them. */
    public void send(byte[] data, int... fds) {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per message");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, JAVA_BYTE, 0, data.length);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(JAVA_LONG, 0, buf.address());
            iov.set(JAVA_LONG, 8, data.length);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(JAVA_LONG, 16, iov.address());
            msg.set(JAVA_LONG, 24, 1);
            if (fds.length > 0) {
                int len = 16 + 4 * fds.length;                 // CMSG_LEN
                MemorySegment cmsg = a.allocate((len + 7) & ~7, 8); // CMSG_SPACE
                cmsg.set(JAVA_LONG, 0, len);
                cmsg.set(JAVA_INT, 8, SocketFlags.SOL_SOCKET);
                cmsg.set(JAVA_INT, 12, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    cmsg.set(JAVA_INT, 16 + 4L * i, fds[i]);
                }
                msg.set(JAVA_LONG, 32, cmsg.address());
                msg.set(JAVA_LONG, 40, cmsg.byteSize());
            }
            long rc = Libc.sendmsg(fd, msg, SocketFlags.MSG_NOSIGNAL);
            if (rc < 0) {
                throw new SyscallException("sendmsg(AF_UNIX)", (int) -rc, (int) -rc == 32
                    ? "the peer closed the connection" : "");
            }
        }
    }

    /** Receives one message (up to {@code maxBytes}) and the descriptors sent with it; null at end of stream. */
    public Message receive(int maxBytes) {
        return receive(maxBytes, 0);
    }

    /**
     * Receives one message if one is waiting, without blocking (MSG_DONTWAIT); null if none is or at end of stream.
     * Reading what a peer sent before closing spares it ECONNRESET (unix(7): closing with unread data resets).
     */
    public Message receiveNow(int maxBytes) {
        try {
            return receive(maxBytes, SocketFlags.MSG_DONTWAIT);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EAGAIN) {
                return null;
            }
            throw e;
        }
    }

    private Message receive(int maxBytes, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(maxBytes);
            MemorySegment iov = a.allocate(16, 8);
            iov.set(JAVA_LONG, 0, buf.address());
            iov.set(JAVA_LONG, 8, maxBytes);
            MemorySegment cmsg = a.allocate(16 + 4 * MAX_FDS, 8);
            MemorySegment msg = a.allocate(56, 8);
            msg.set(JAVA_LONG, 16, iov.address());
            msg.set(JAVA_LONG, 24, 1);
            msg.set(JAVA_LONG, 32, cmsg.address());
            msg.set(JAVA_LONG, 40, cmsg.byteSize());
            long rc = Libc.recvmsg(fd, msg, SocketFlags.MSG_CMSG_CLOEXEC | flags);
            if (rc < 0) {
                throw new SyscallException("recvmsg(AF_UNIX)", (int) -rc, "");
            }
            long controlLen = msg.get(JAVA_LONG, 40);
            int[] fds = new int[0];
            if (controlLen >= 16 && cmsg.get(JAVA_INT, 8) == SocketFlags.SOL_SOCKET && cmsg.get(JAVA_INT, 12) == SCM_RIGHTS) {
                int n = (int) ((cmsg.get(JAVA_LONG, 0) - 16) / 4);
                fds = new int[n];
                for (int i = 0; i < n; i++) {
                    fds[i] = cmsg.get(JAVA_INT, 16 + 4L * i);
                }
            }
            if (rc == 0 && fds.length == 0) {
                return null;
            }
            return new Message(buf.asSlice(0, rc).toArray(JAVA_BYTE), fds);
        }
    }

    /**
     * Bounds every later {@link #receive} to {@code millis} (SO_RCVTIMEO, socket(7): a receive that waited that long
     * fails with EAGAIN); 0 waits for ever.
     */
    public void receiveTimeout(long millis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment tv = a.allocate(16, 8); // struct timeval {tv_sec, tv_usec}
            tv.set(JAVA_LONG, 0, millis / 1000);
            tv.set(JAVA_LONG, 8, (millis % 1000) * 1000);
            Libc.orThrow(Libc.setsockopt(fd, SocketFlags.SOL_SOCKET, SO_RCVTIMEO, tv), "setsockopt(SO_RCVTIMEO, " + millis
                + " ms)", ErrnoHint.NONE);
        }
    }

    /** Closes every descriptor that came with {@code m}: what a peer sends unasked must not pile up here. */
    public static void closeDescriptors(Message m) {
        if (m != null) {
            for (int d : m.fds()) {
                Libc.close(d);
            }
        }
    }

    /** Who is at the other end (SO_PEERCRED). */
    public Credentials peer() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cred = a.allocate(12, 4);
            int len = Libc.getsockopt(fd, SocketFlags.SOL_SOCKET, SO_PEERCRED, cred);
            if (len < 0) {
                throw new SyscallException("getsockopt(SO_PEERCRED)", -len, "");
            }
            return new Credentials(cred.get(JAVA_INT, 0), cred.get(JAVA_INT, 4), cred.get(JAVA_INT, 8));
        }
    }

    /** The socket's descriptor. */
    public int fd() {
        return fd;
    }

    /** Ends the connection both ways; a thread blocked in {@link #receive} on it returns null. */
    public synchronized void shutdown() {
        if (!closed) {
            Libc.shutdown(fd);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
