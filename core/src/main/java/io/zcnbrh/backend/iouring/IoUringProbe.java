package io.zcnbrh.backend.iouring;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What io_uring can do here, asked of the kernel rather than assumed: supported opcodes (IORING_REGISTER_PROBE) and
 * zero-copy receive. RECV_ZC (Linux 6.15) needs a ring with DEFER_TASKRUN, SINGLE_ISSUER and 32-byte CQEs and an
 * interface queue registered with IORING_REGISTER_ZCRX_IFQ, which only NIC drivers with header split, flow steering
 * and queue management can give; the probe makes exactly that registration (with a real area and refill-queue
 * region) and reports the kernel's answer.
 */
public final class IoUringProbe {
    private static final int REGISTER_ZCRX_IFQ = 32;
    private static final int MEM_REGION_TYPE_USER = 1;

    /** An answer: available, or not and why (with the errno name). */
    public record Result(boolean available, String reason) {
    }

    private IoUringProbe() {
    }

    /** Whether this kernel's io_uring supports {@code opcode}. */
    public static boolean supports(int opcode) {
        try (IoUring ring = new IoUring(8, 16, 0)) {
            return ring.supportedOps()[opcode];
        }
    }

    /** Zero-copy receive on {@code ifname} queue {@code queue}. */
    public static Result zeroCopyReceive(String ifname, int queue) {
        int ifindex = Libc.ifindex(ifname);
        IoUring ring;
        try {
            ring = new IoUring(64, 128, IoUring.SETUP_DEFER_TASKRUN | IoUring.SETUP_SINGLE_ISSUER | IoUring.SETUP_CQE32);
        } catch (SyscallException e) {
            return new Result(false, "io_uring refused DEFER_TASKRUN | SINGLE_ISSUER | CQE32 (" + e.getMessage()
                + "): zero-copy receive needs Linux 6.15+");
        }
        try (ring; Mapping area = Mapping.anonymous(2 << 20, PageSize.BASE, -1);
             Mapping region = Mapping.anonymous(64 << 10, PageSize.BASE, -1);
             Arena a = Arena.ofConfined()) {
            if (!ring.supportedOps()[Sqe.OP_RECV_ZC]) {
                return new Result(false, "this kernel's io_uring has no IORING_OP_RECV_ZC (Linux 6.15+)");
            }
            MemorySegment areaReg = a.allocate(48, 8);      // struct io_uring_zcrx_area_reg
            areaReg.set(JAVA_LONG, 0, area.segment().address());
            areaReg.set(JAVA_LONG, 8, area.segment().byteSize());
            MemorySegment regionDesc = a.allocate(64, 8);   // struct io_uring_region_desc
            regionDesc.set(JAVA_LONG, 0, region.segment().address());
            regionDesc.set(JAVA_LONG, 8, region.segment().byteSize());
            regionDesc.set(JAVA_INT, 16, MEM_REGION_TYPE_USER);
            MemorySegment reg = a.allocate(96, 8);          // struct io_uring_zcrx_ifq_reg
            reg.set(JAVA_INT, 0, ifindex);
            reg.set(JAVA_INT, 4, queue);
            reg.set(JAVA_INT, 8, 64);                       // rq_entries
            reg.set(JAVA_LONG, 16, areaReg.address());
            reg.set(JAVA_LONG, 24, regionDesc.address());
            int rc = -ring.register(REGISTER_ZCRX_IFQ, reg, 1); // the errno, or 0
            if (rc == 0) {
                return new Result(true, ifname + " queue " + queue + " accepted a zero-copy receive registration");
            }
            String name = Errno.name(rc);
            return new Result(false, switch (rc) {
                case Errno.EOPNOTSUPP -> name + " from io_uring_register(ZCRX_IFQ): the driver of " + ifname
                    + " has no zero-copy receive queues (it needs header split, flow steering and queue management, "
                    + "as in mlx5, bnxt or gve; veth has none)";
                case Errno.EPERM -> name + ": zero-copy receive needs CAP_NET_ADMIN";
                case Errno.EINVAL -> name + " from io_uring_register(ZCRX_IFQ): the kernel refused the registration "
                    + "(no zero-copy receive support for " + ifname + " queue " + queue + ")";
                default -> name + " from io_uring_register(ZCRX_IFQ) on " + ifname + " queue " + queue;
            });
        }
    }
}
