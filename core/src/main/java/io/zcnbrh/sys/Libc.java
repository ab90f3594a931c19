package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into the C library through {@code java.lang.foreign}. One error convention, the kernel's: a call
 * returns its result, {@code >= 0}, or {@code -errno} ({@link #orThrow} turns that into a {@link SyscallException}
 * with the caller's hint); only the calls that make a resource ({@code mmap}, {@code open}, {@code socket},
 * {@code memfd_create}, {@code ftruncate}) throw themselves, with the hint passed in. Every number here is from the
 * glibc/kernel headers named beside it.
 */
public final class Libc {
    // sys/mman.h
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    public static final int MADV_POPULATE_WRITE = 23; // Linux 5.14
    // fcntl.h
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    // linux/memfd.h
    public static final int MFD_CLOEXEC = 0x0001;
    public static final int MFD_HUGETLB = 0x0004;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle MMAP = handle("mmap",
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = handle("munmap",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = handle("madvise",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = handle("memfd_create",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle OPEN = handle("open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FTRUNCATE = handle("ftruncate",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL_PTR = handle("fcntl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FSTAT = handle("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SHUTDOWN = handle("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLINK = handle("unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MOUNT = handle("mount",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle SOCKET = handle("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO = handle("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = handle("recv",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = handle("if_nametoindex",
        FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = handle("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    // the same calls without errno capture: the FFM linker slices the capture segment on every call, which the JIT
    // does not always scalar-replace, so the success path of per-packet calls goes without (see recvmmsg, poll)
    private static final MethodHandle RECVMMSG_PLAIN = plainHandle("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SENDTO_PLAIN = plainHandle("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM_PLAIN = plainHandle("recvfrom",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle POLL_PLAIN = plainHandle("poll",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVMMSG = handle("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SENDMMSG = handle("sendmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = handle("accept4",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = handle("sendmsg",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = handle("recvmsg",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = handle("connect",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYSCALL6 = handle("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL6_PLAIN = plainHandle("syscall",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private Libc() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LOOKUP.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static MethodHandle plainHandle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LOOKUP.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** {@code mmap(2)}; returns the mapping as a segment of {@code length} bytes, or throws with the errno. */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String what,
                                     ErrnoHint hint) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags,
                fd, offset);
            if (addr.address() == -1L) {
                int e = errno(state);
                throw new SyscallException("mmap(" + what + ")", e, hint.hint(e));
            }
            return addr.reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap(2)}. */
    public static void munmap(MemorySegment mapping) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MUNMAP.invokeExact(state, mapping, mapping.byteSize());
            if (rc != 0) {
                throw new SyscallException("munmap", errno(state), "the mapping was not created by Z-CNBRH");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code madvise(2)}; returns 0 or {@code -errno} (the caller decides whether that is fatal). */
    public static int madvise(MemorySegment range, int advice) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MADVISE.invokeExact(state, range, range.byteSize(), advice);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code memfd_create(2)}: an anonymous file that can be shared by passing its fd. */
    public static int memfdCreate(String name, int flags, ErrnoHint hint) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) MEMFD_CREATE.invokeExact(state, arena.allocateFrom(name), flags);
            if (fd < 0) {
                int e = errno(state);
                throw new SyscallException("memfd_create", e, hint.hint(e));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code open(2)}; returns the fd or throws with the errno and the hint for it. */
    public static int open(String path, int flags, int mode, ErrnoHint hint) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags | O_CLOEXEC, mode);
            if (fd < 0) {
                int e = errno(state);
                throw new SyscallException("open(" + path + ")", e, hint.hint(e));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ftruncate(2)}. */
    public static void ftruncate(int fd, long length, ErrnoHint hint) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FTRUNCATE.invokeExact(state, fd, length);
            if (rc != 0) {
                int e = errno(state);
                throw new SyscallException("ftruncate(" + length + ")", e, hint.hint(e));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(2)} with a pointer argument (a struct flock, ...); returns the result, or -errno. */
    public static int fcntl(int fd, int cmd, MemorySegment arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FCNTL_PTR.invokeExact(state, fd, cmd, arg);
            return rc < 0 ? -errno(state) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** What {@code fstat(2)} says of an open file: its mode bits (type and permissions), owner and size. */
    public record FileStatus(int mode, int uid, long size) {
        /** Whether it is a regular file (S_IFREG). */
        public boolean regular() {
            return (mode & 0170000) == 0100000;
        }
    }

    /**
     * {@code fstat(2)} (struct stat: x86-64 has st_mode at 24, st_uid at 28; the generic layout of aarch64 st_mode
     * at 16, st_uid at 24; st_size is at 48 in both).
     */
    public static FileStatus fstat(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment st = arena.allocate(144, 8);
            int rc = (int) FSTAT.invokeExact(state, fd, st);
            if (rc != 0) {
                throw new SyscallException("fstat(" + fd + ")", errno(state), "");
            }
            boolean generic = "aarch64".equals(System.getProperty("os.arch"));
            return new FileStatus(st.get(JAVA_INT, generic ? 16 : 24), st.get(JAVA_INT, generic ? 24 : 28),
                st.get(JAVA_LONG, 48));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The effective user id of this process. */
    public static int geteuid() {
        return (int) syscall(SyscallNumbers.GETEUID, 0, 0, 0, 0, 0, 0);
    }

    /** {@code close(2)}; returns 0 or {@code -errno}, not thrown, since there is nothing left to undo. */
    public static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CLOSE.invokeExact(state, fd);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code shutdown(fd, SHUT_RDWR)}; returns 0 or {@code -errno}. Unlike close(2), it wakes a thread blocked in
     * recvmsg(2) on the same socket (which then sees end of stream).
     */
    public static int shutdown(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SHUTDOWN.invokeExact(state, fd, 2);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code unlink(2)}; returns 0 or {@code -errno}. */
    public static int unlink(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) UNLINK.invokeExact(state, arena.allocateFrom(path));
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(2)}; returns the fd or throws with the errno and the hint for it. */
    public static int socket(int domain, int type, int protocol, String what, ErrnoHint hint) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) SOCKET.invokeExact(state, domain, type | 02000000, protocol);
            if (fd < 0) {
                int e = errno(state);
                throw new SyscallException("socket(" + what + ")", e, hint.hint(e));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendto(2)}; returns bytes sent or {@code -errno}. */
    public static long sendto(int fd, MemorySegment buf, long length, int flags, MemorySegment addr, int addrLen) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) SENDTO.invokeExact(state, fd, buf, length, flags, addr, addrLen);
            return rc < 0 ? -errno(state) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recv(2)}; returns bytes received or {@code -errno}. */
    public static long recv(int fd, MemorySegment buf, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) RECV.invokeExact(state, fd, buf, buf.byteSize(), flags);
            return rc < 0 ? -errno(state) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The index of interface {@code ifname} in this network namespace, or a clear ENODEV error naming it. */
    public static int ifindex(String ifname) {
        int index = ifNameToIndex(ifname);
        if (index <= 0) {
            throw new SyscallException("if_nametoindex('" + ifname + "')", Errno.ENODEV,
                "no interface named '" + ifname + "' in this network namespace (ip link shows the names)");
        }
        return index;
    }

    /**
     * A {@code struct ifreq} (if.h: IFNAMSIZ name bytes, then the union the ioctl reads or writes, from offset 16)
     * in {@code arena}, naming {@code ifname}.
     */
    public static MemorySegment newIfreq(Arena arena, String ifname) {
        MemorySegment ifreq = arena.allocate(40, 8);
        byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment.copy(name, 0, ifreq, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, Math.min(name.length, 15));
        return ifreq;
    }

    /**
     * The MTU of interface {@code ifname} in this network namespace ({@code ioctl(SIOCGIFMTU)} on a datagram socket:
     * struct ifreq, the name then {@code ifr_mtu}), or a clear error naming it.
     */
    public static int interfaceMtu(String ifname) {
        try (Arena arena = Arena.ofConfined()) {
            return interfaceIoctl(arena, ifname, 0x8921, "SIOCGIFMTU").get(JAVA_INT, 16);
        }
    }

    /**
     * The hardware (MAC) address of interface {@code ifname} in this network namespace ({@code ioctl(SIOCGIFHWADDR)}:
     * {@code ifr_hwaddr} is a struct sockaddr, its sa_data from offset 18), or a clear error naming it.
     */
    public static byte[] interfaceMac(String ifname) {
        try (Arena arena = Arena.ofConfined()) {
            byte[] mac = new byte[6];
            MemorySegment.copy(interfaceIoctl(arena, ifname, 0x8927, "SIOCGIFHWADDR"), java.lang.foreign.ValueLayout
                .JAVA_BYTE, 18, mac, 0, 6);
            return mac;
        }
    }

    /** {@code ioctl(request)} with a struct ifreq naming {@code ifname} on a datagram socket; returns the ifreq. */
    private static MemorySegment interfaceIoctl(Arena arena, String ifname, int request, String name) {
        int fd = socket(2, 2, 0, "socket(AF_INET, SOCK_DGRAM) for " + name + " on " + ifname, ErrnoHint.NONE);
        try {
            MemorySegment ifreq = newIfreq(arena, ifname);
            orThrow(syscall(SyscallNumbers.IOCTL, fd, request, ifreq.address(), 0, 0, 0),
                "ioctl(" + name + ", " + ifname + ")", e -> e == Errno.ENODEV
                    ? "no interface named '" + ifname + "' in this network namespace (ip link shows the names)" : "");
            return ifreq;
        } finally {
            close(fd);
        }
    }

    /** {@code if_nametoindex(3)}; 0 when there is no such interface. */
    public static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setsockopt(2)}; returns 0 or {@code -errno}. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, (int) value.byteSize());
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code setsockopt(2)} with an int value, or a {@link SyscallException} naming the option ({@code name}) and
     * the value, with the caller's advice for the errno.
     */
    public static void setsockoptInt(int fd, int level, int option, int value, String name, ErrnoHint hint) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            orThrow(setsockopt(fd, level, option, v), "setsockopt(" + name + ", " + value + ")", hint);
        }
    }

    /** {@code getsockopt(2)} into {@code value}; returns the length written, or {@code -errno}. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) value.byteSize());
            int rc = (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, len);
            return rc == 0 ? len.get(JAVA_INT, 0) : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bind(2)}; returns 0 or {@code -errno}. */
    public static int bind(int fd, MemorySegment addr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) BIND.invokeExact(state, fd, addr, (int) addr.byteSize());
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code poll(2)} on {@code pollfds} (an array of struct pollfd {int fd; short events; short revents}) with a
     * caller-owned errno buffer, so a hot loop allocates nothing; returns the count or {@code -errno}.
     */
    public static int poll(MemorySegment pollfds, int count, int timeoutMillis, MemorySegment callState) {
        try {
            int fast = (int) POLL_PLAIN.invokeExact(pollfds, (long) count, timeoutMillis);
            if (fast >= 0) {
                return fast;
            }
            int rc = (int) POLL.invokeExact(callState, pollfds, (long) count, 0); // errno of a second look
            return rc < 0 ? -errno(callState) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendto(fd, NULL, 0, flags, NULL, 0)} with a caller-owned errno buffer: the AF_XDP TX kick, allocation-free. */
    public static long kick(int fd, int flags, MemorySegment callState) {
        try {
            // without errno capture first: the capturing call slices its state segment on every call, 40 B the JIT
            // does not always remove (a probe of claim/transmit/flush measured 40 B per packet on AF_XDP and
            // AF_PACKET in three rounds of 20,000); a kick that failed is repeated with capture to learn why, which
            // is harmless (a kick only asks the kernel to look at the ring again)
            long fast = (long) SENDTO_PLAIN.invokeExact(fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
            if (fast >= 0) {
                return fast;
            }
            long rc = (long) SENDTO.invokeExact(callState, fd, MemorySegment.NULL, 0L, flags, MemorySegment.NULL, 0);
            return rc < 0 ? -errno(callState) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL)}, its result not wanted: on an AF_XDP socket with
     * SO_BUSY_POLL this runs the device's NAPI on the calling core (xsk_recvmsg: sk_busy_loop), as libxdp's
     * xdpsock does when busy polling. Allocation-free, no errno capture.
     */
    public static void busyPoll(int fd) {
        try {
            long ignored = (long) RECVFROM_PLAIN.invokeExact(fd, MemorySegment.NULL, 0L, SocketFlags.MSG_DONTWAIT, MemorySegment.NULL,
                MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvmmsg(2)} into {@code vlen} {@code struct mmsghdr} at {@code msgvec}, no timeout, non-blocking
     * ({@code flags} has MSG_DONTWAIT); returns the count or {@code -errno}. Allocation-free also when the socket is
     * empty: a failed call is not repeated with errno captured (the capture allocated 40 B per empty poll, which
     * the JIT removed only sometimes) but followed by a zero-timeout poll(2) on {@code pollFd} (a {@code struct
     * pollfd} for this socket, POLLIN): nothing readable and no error means EAGAIN; anything else is asked again
     * with errno captured.
     */
    public static int recvmmsg(int fd, MemorySegment msgvec, int vlen, int flags, MemorySegment callState,
                               MemorySegment pollFd) {
        try {
            int fast = (int) RECVMMSG_PLAIN.invokeExact(fd, msgvec, vlen, flags, MemorySegment.NULL);
            if (fast >= 0) {
                return fast;
            }
            int ready = (int) POLL_PLAIN.invokeExact(pollFd, 1L, 0);
            if (ready == 0) {
                return -Errno.EAGAIN; // empty, as it was a moment ago
            }
            fast = (int) RECVMMSG_PLAIN.invokeExact(fd, msgvec, vlen, flags, MemorySegment.NULL);
            if (fast >= 0) {
                return fast; // a datagram came in between: the usual case of a readable socket
            }
            int rc = (int) RECVMMSG.invokeExact(callState, fd, msgvec, vlen, flags, MemorySegment.NULL);
            return rc < 0 ? -errno(callState) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmmsg(2)}, allocation-free; returns the count sent or {@code -errno}. */
    public static int sendmmsg(int fd, MemorySegment msgvec, int vlen, int flags, MemorySegment callState) {
        try {
            int rc = (int) SENDMMSG.invokeExact(callState, fd, msgvec, vlen, flags);
            return rc < 0 ? -errno(callState) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code listen(2)}; returns 0 or {@code -errno}. */
    public static int listen(int fd, int backlog) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) LISTEN.invokeExact(state, fd, backlog);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code accept4(fd, NULL, NULL, flags)}; returns the new fd or {@code -errno}. */
    public static int accept(int fd, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
            return rc >= 0 ? rc : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sendmsg(2)} of a prepared {@code struct msghdr}; returns the bytes sent or {@code -errno}. */
    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) SENDMSG.invokeExact(state, fd, msghdr, flags);
            return rc >= 0 ? rc : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code recvmsg(2)} into a prepared {@code struct msghdr}; returns the bytes received or {@code -errno}. */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) RECVMSG.invokeExact(state, fd, msghdr, flags);
            return rc >= 0 ? rc : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code connect(2)}; returns 0 or {@code -errno}. */
    public static int connect(int fd, MemorySegment addr) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) CONNECT.invokeExact(state, fd, addr, (int) addr.byteSize());
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Raw {@code syscall(2)} with a caller-owned errno buffer (allocation-free); result or {@code -errno}. */
    public static long syscall(MemorySegment callState, long number, long a1, long a2, long a3, long a4, long a5,
                               long a6) {
        try {
            long rc = (long) SYSCALL6.invokeExact(callState, number, a1, a2, a3, a4, a5, a6);
            return rc == -1L ? -errno(callState) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * As {@link #syscall(MemorySegment, long, long, long, long, long, long, long)}, for a call that may be made twice
     * (a query: an ioctl that reads, io_uring_enter that only collects completions): without errno capture first,
     * which allocates nothing (the capturing call slices its state, 40 B the JIT removes only sometimes); a failed
     * call is made again with capture to learn why.
     */
    public static long syscallRepeatable(MemorySegment callState, long number, long a1, long a2, long a3, long a4,
                                         long a5, long a6) {
        try {
            long fast = (long) SYSCALL6_PLAIN.invokeExact(number, a1, a2, a3, a4, a5, a6);
            if (fast != -1L) {
                return fast;
            }
            long rc = (long) SYSCALL6.invokeExact(callState, number, a1, a2, a3, a4, a5, a6);
            return rc == -1L ? -errno(callState) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The one way a failed call becomes an error: {@code rc} is what a call of this class returned (the kernel's
     * convention: {@code >= 0} for success, {@code -errno} for failure); returns it, or throws a
     * {@link SyscallException} naming {@code call}, the errno and {@code hint}'s advice for it.
     */
    public static long orThrow(long rc, String call, ErrnoHint hint) {
        if (rc < 0) {
            int errno = (int) -rc;
            throw new SyscallException(call, errno, hint.hint(errno));
        }
        return rc;
    }

    /** As {@link #orThrow(long, String, ErrnoHint)} for the calls that return an int. */
    public static int orThrow(int rc, String call, ErrnoHint hint) {
        return (int) orThrow((long) rc, call, hint);
    }

    /** A {@code struct pollfd} (poll.h: int fd, short events, short revents) in {@code arena}, waiting for POLLIN on {@code fd}. */
    public static MemorySegment newPollFd(Arena arena, int fd) {
        return newPollFds(arena, fd);
    }

    /** {@code struct pollfd} entries (8 bytes each: fd, events, revents) asking POLLIN of each of {@code fds}. */
    public static MemorySegment newPollFds(Arena arena, int... fds) {
        MemorySegment pollFds = arena.allocate(8L * fds.length, 4);
        for (int i = 0; i < fds.length; i++) {
            pollFds.set(JAVA_INT, 8L * i, fds[i]);
            pollFds.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 8L * i + 4, SocketFlags.POLLIN);
        }
        return pollFds;
    }

    /** The {@code revents} poll(2) wrote into entry {@code index} of {@code pollFds}. */
    public static short revents(MemorySegment pollFds, int index) {
        return pollFds.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 8L * index + 6);
    }

    /** A buffer for the errno of allocation-free calls ({@link #poll}, {@link #kick}); one per thread. */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** {@code setns(2)}; returns 0 or {@code -errno}. */
    public static int setns(int fd, int nstype) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SETNS.invokeExact(state, fd, nstype);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mount(2)} without data; returns 0 or {@code -errno}. */
    public static int mount(String source, String target, String fsType, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target),
                arena.allocateFrom(fsType), flags, MemorySegment.NULL);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Raw {@code syscall(2)} with up to six arguments; returns the result, or {@code -errno} on failure. */
    public static long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long rc = (long) SYSCALL6.invokeExact(state, number, a1, a2, a3, a4, a5, a6);
            return rc == -1L ? -errno(state) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
