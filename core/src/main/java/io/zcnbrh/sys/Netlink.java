package io.zcnbrh.sys;

import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * rtnetlink requests built by hand (include/uapi/linux/netlink.h, rtnetlink.h): a request is an nlmsghdr (16 bytes:
 * u32 length, u16 type, u16 flags, u32 seq, u32 pid), a family header, then rtattrs {u16 len, u16 type, data}
 * aligned to 4. One request per fresh NETLINK_ROUTE socket; the answer is its first message (an NLMSG_ERROR carries
 * the errno, negated, right after the header).
 */
public final class Netlink {
    /** The netlink header's size: a family header starts here. */
    public static final int HEADER = 16;
    /** Message types and flags used by callers. */
    public static final short NLMSG_ERROR = 2, NLM_F_REQUEST = 1, NLM_F_ACK = 4;
    /** A dump request (NLM_F_ROOT | NLM_F_MATCH), answered by messages over several reads up to NLMSG_DONE. */
    public static final short NLM_F_DUMP = 0x300;
    private static final short NLMSG_DONE = 3;
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int NETLINK_ROUTE = 0;

    private Netlink() {
    }

    /** Writes the header of request {@code type} with {@code flags} (the length is set by {@link #exchange}). */
    public static void header(MemorySegment request, short type, short flags) {
        request.set(JAVA_SHORT, 4, type);
        request.set(JAVA_SHORT, 6, flags);
        request.set(JAVA_INT, 8, 1); // seq
    }

    /** Appends a 4-byte attribute at {@code at}; returns where the next one goes. */
    public static int putAttr(MemorySegment buf, int at, short type, int value) {
        buf.set(JAVA_SHORT, at, (short) 8);
        buf.set(JAVA_SHORT, at + 2, type);
        buf.set(JAVA_INT, at + 4, value);
        return at + 8;
    }

    /** Appends an attribute holding {@code data} at {@code at}; returns where the next one goes. */
    public static int putAttr(MemorySegment buf, int at, short type, byte[] data) {
        buf.set(JAVA_SHORT, at, (short) (4 + data.length));
        buf.set(JAVA_SHORT, at + 2, type);
        MemorySegment.copy(data, 0, buf, JAVA_BYTE, at + 4, data.length);
        return at + ((4 + data.length + 3) & ~3);
    }

    /**
     * Sends the first {@code length} bytes of {@code request} on a fresh NETLINK_ROUTE socket and returns the first
     * reply message; {@code what} names the purpose in errors.
     */
    public static MemorySegment exchange(Arena arena, MemorySegment request, int length, String what) {
        MemorySegment[] first = new MemorySegment[1];
        talk(arena, request, length, what, m -> {
            first[0] = m;
            return false;
        });
        return first[0];
    }

    /**
     * Sends a dump request ({@link #NLM_F_DUMP} among its flags) and hands each message of the answer to
     * {@code each} until NLMSG_DONE; an NLMSG_ERROR ends the dump with its errno.
     */
    public static void dump(Arena arena, MemorySegment request, int length, String what,
                            java.util.function.Consumer<MemorySegment> each) {
        talk(arena, request, length, what, m -> {
            short type = type(m);
            if (type == NLMSG_DONE) {
                return false;
            }
            if (type == NLMSG_ERROR) {
                throw new SyscallException("rtnetlink dump (" + what + ")", errno(m) == 0 ? Errno.EIO : errno(m), "");
            }
            each.accept(m);
            return true;
        });
    }

    /** Sends the request; hands the messages of the answer to {@code more} while it returns true. */
    private static void talk(Arena arena, MemorySegment request, int length, String what,
                             java.util.function.Predicate<MemorySegment> more) {
        request.set(JAVA_INT, 0, length);
        int fd = Libc.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "AF_NETLINK, NETLINK_ROUTE",
            e -> "rtnetlink is needed to " + what);
        try {
            MemorySegment addr = arena.allocate(12, 4);
            addr.set(JAVA_SHORT, 0, (short) AF_NETLINK);
            long sent = Libc.sendto(fd, request, length, 0, addr, 12);
            if (sent < 0) {
                throw new SyscallException("sendto(rtnetlink, " + what + ")", (int) -sent, "");
            }
            MemorySegment reply = arena.allocate(65536, 8);
            while (true) {
                long got = Libc.recv(fd, reply, 0);
                if (got < HEADER) {
                    throw new SyscallException("recv(rtnetlink, " + what + ")", got < 0 ? (int) -got : Errno.EIO,
                        "");
                }
                for (int at = 0; at + HEADER <= got; ) { // NLMSG_OK / NLMSG_NEXT: messages aligned to 4
                    int len = reply.get(JAVA_INT, at);
                    if (len < HEADER || at + len > got) {
                        break;
                    }
                    if (!more.test(reply.asSlice(at, len))) {
                        return;
                    }
                    at += (len + 3) & ~3;
                }
            }
        } finally {
            Libc.close(fd);
        }
    }

    /** The message's type. */
    public static short type(MemorySegment message) {
        return message.get(JAVA_SHORT, 4);
    }

    /** The errno of an NLMSG_ERROR message (0 for an acknowledgement), or 0 for any other message. */
    public static int errno(MemorySegment message) {
        return type(message) == NLMSG_ERROR && message.byteSize() >= HEADER + 4 ? -message.get(JAVA_INT, HEADER) : 0;
    }

    /**
     * Where the data of attribute {@code type} starts among the attributes from {@code from} to the message's end,
     * or -1; the data's length is {@link #attrLength}. Nested attributes are found by calling this on their range.
     */
    public static int findAttr(MemorySegment message, int from, int end, int type) {
        int limit = Math.min(end, (int) message.byteSize());
        for (int at = from; at + 4 <= limit; ) {
            int len = Short.toUnsignedInt(message.get(JAVA_SHORT, at));
            if (len < 4 || at + len > limit) {
                return -1;
            }
            if ((message.get(JAVA_SHORT, at + 2) & 0x3fff) == type) {
                return at + 4;
            }
            at += (len + 3) & ~3;
        }
        return -1;
    }

    /** The length of the data of the attribute whose data starts at {@code dataAt} (from {@link #findAttr}). */
    public static int attrLength(MemorySegment message, int dataAt) {
        return Short.toUnsignedInt(message.get(JAVA_SHORT, dataAt - 4)) - 4;
    }

    /** The IP address held by the attribute whose data starts at {@code dataAt} (4 or 16 bytes). */
    public static java.net.InetAddress address(MemorySegment message, int dataAt) {
        int length = attrLength(message, dataAt);
        byte[] b = new byte[length];
        MemorySegment.copy(message, JAVA_BYTE, dataAt, b, 0, length);
        try {
            return java.net.InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("rtnetlink gave an address of " + length + " bytes", e);
        }
    }

    /** The message's length as its header says, within what was received. */
    public static int length(MemorySegment message) {
        return Math.min(message.get(JAVA_INT, 0), (int) message.byteSize());
    }
}
