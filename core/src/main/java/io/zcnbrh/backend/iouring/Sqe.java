package io.zcnbrh.backend.iouring;

/**
 * The layout of {@code struct io_uring_sqe} (include/uapi/linux/io_uring.h, 64 bytes) and the opcodes and flags
 * this library writes into it: the descriptor that {@link IoUring}'s one-method-per-operation submission uses, so no
 * offset appears as a bare number anywhere else.
 */
final class Sqe {
    /** Bytes per SQE (without IORING_SETUP_SQE128). */
    static final int SIZE = 64;
    /** {@code __u8 opcode}. */
    static final int OPCODE = 0;
    /** {@code __u8 flags} (IOSQE_*). */
    static final int FLAGS = 1;
    /** {@code __u16 ioprio}: for RECV, the IORING_RECV_* flags. */
    static final int IOPRIO = 2;
    /** {@code __s32 fd}. */
    static final int FD = 4;
    /** {@code __u64 addr}: the buffer. */
    static final int ADDR = 16;
    /** {@code __u32 len}. */
    static final int LEN = 24;
    /** The per-opcode flags union ({@code msg_flags}, {@code cancel_flags}, ...). */
    static final int OP_FLAGS = 28;
    /** {@code __u64 user_data}: comes back in the completion. */
    static final int USER_DATA = 32;
    /** {@code __u16 buf_group} (union with buf_index): the provided-buffer group to pick from. */
    static final int BUF_GROUP = 40;

    /** IORING_OP_NOP. */
    static final int OP_NOP = 0;
    /** IORING_OP_ASYNC_CANCEL. */
    static final int OP_ASYNC_CANCEL = 14;
    /** IORING_OP_SEND. */
    static final int OP_SEND = 26;
    /** IORING_OP_RECV. */
    static final int OP_RECV = 27;
    /** IORING_OP_SEND_ZC (6.0+). */
    static final int OP_SEND_ZC = 47;
    /** IORING_OP_RECV_ZC (6.15+). */
    static final int OP_RECV_ZC = 58;

    /** IOSQE_BUFFER_SELECT: the kernel picks the buffer from {@link #BUF_GROUP}. */
    static final int IOSQE_BUFFER_SELECT = 1 << 5;
    /** IORING_RECV_MULTISHOT (in ioprio): one request, a completion per datagram (6.0+). */
    static final int RECV_MULTISHOT = 1 << 1;
    /** IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD: every request on the fd (5.19+). */
    static final int ASYNC_CANCEL_ALL_ON_FD = 1 | 2;

    private Sqe() {
    }
}
