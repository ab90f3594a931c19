package io.zcnbrh.bpf.sys;

/** The {@code bpf(2)} commands we use (include/uapi/linux/bpf.h, enum bpf_cmd). */
public enum BpfCommand {
    MAP_CREATE(0),
    MAP_LOOKUP_ELEM(1),
    MAP_UPDATE_ELEM(2),
    MAP_DELETE_ELEM(3),
    MAP_GET_NEXT_KEY(4),
    PROG_LOAD(5),
    OBJ_PIN(6),
    OBJ_GET(7),
    PROG_TEST_RUN(10),
    OBJ_GET_INFO_BY_FD(15),
    LINK_CREATE(28);

    private final int number;

    BpfCommand(int number) {
        this.number = number;
    }

    /** The command number passed to the syscall. */
    public int number() {
        return number;
    }
}
