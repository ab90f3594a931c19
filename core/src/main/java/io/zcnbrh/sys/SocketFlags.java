package io.zcnbrh.sys;

/** The socket-level constants more than one backend uses, with the uapi header each comes from (x86-64 values). */
public final class SocketFlags {
    /** {@code SOL_SOCKET} (asm-generic/socket.h): the level of the generic socket options. */
    public static final int SOL_SOCKET = 1;
    /** {@code POLLIN} (asm-generic/poll.h): there is data to read. */
    public static final short POLLIN = 1;
    /** {@code MSG_TRUNC} (linux/socket.h): return the real length of a datagram longer than the buffer. */
    public static final int MSG_TRUNC = 0x20;
    /** {@code MSG_DONTWAIT} (linux/socket.h): this call does not block. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code MSG_NOSIGNAL} (linux/socket.h): a gone peer is an EPIPE error, not SIGPIPE. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** {@code MSG_CMSG_CLOEXEC} (linux/socket.h): file descriptors received with SCM_RIGHTS are close-on-exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    private SocketFlags() {
    }
}
