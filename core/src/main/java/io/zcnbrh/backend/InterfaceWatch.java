package io.zcnbrh.backend;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.sys.Libc;
import io.zcnbrh.sys.SyscallNumbers;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Notices that a port's interface went down or away while the port receives. A socket on a vanished or downed
 * device is often just silent (AF_PACKET, AF_XDP in copy mode), so the port asks: one ioctl(SIOCGIFFLAGS) every
 * 1024 polls through preallocated memory (netdevice(7)), no allocation, no system call on the other 1023.
 * The answer is asked in the network namespace the port was opened in.
 */
public final class InterfaceWatch implements AutoCloseable {
    private static final long SIOCGIFFLAGS = 0x8913;  // include/uapi/linux/sockios.h
    private static final int IFF_UP = 0x1;            // include/uapi/linux/if.h
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int EVERY = 1024;

    private final String ifname;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ifreq;
    private final MemorySegment callState;
    private final int fd;
    private int polls;

    private InterfaceWatch(String ifname, int fd) {
        this.ifname = ifname;
        this.fd = fd;
        this.ifreq = Libc.newIfreq(arena, ifname); // the union holds ifr_flags (a short) for SIOCGIFFLAGS
        this.callState = Libc.newCallState(arena);
    }

    /** A watch on {@code ifname}, from the current thread's network namespace. */
    public static InterfaceWatch of(String ifname) {
        int fd = Libc.socket(AF_INET, SOCK_DGRAM, 0, "socket(AF_INET) to watch " + ifname, e -> "");
        return new InterfaceWatch(ifname, fd);
    }

    /** Throws a clear error, every 1024th call, if the interface is gone or down. */
    public void check(String spec) {
        if ((polls++ & (EVERY - 1)) == 0) {
            checkNow(spec);
        }
    }

    /** Asks at once. */
    public void checkNow(String spec) {
        long rc = Libc.syscallRepeatable(callState, SyscallNumbers.IOCTL, fd, SIOCGIFFLAGS,
            ifreq.address(), 0, 0, 0); // a read: asking twice is harmless
        if (rc == -Errno.ENODEV || rc == -Errno.ENXIO) {
            throw new SyscallException("receive on " + spec, Errno.ENODEV, "interface " + ifname
                + " disappeared while receiving; close the port and open it again when it is back");
        }
        if (rc == 0 && (ifreq.get(JAVA_SHORT, 16) & IFF_UP) == 0) {
            throw new SyscallException("receive on " + spec, Errno.ENETDOWN, "interface " + ifname
                + " went down while receiving (ip link set " + ifname + " up); close the port and open it again");
        }
    }

    @Override
    public void close() {
        Libc.close(fd);
        arena.close();
    }
}
