package io.zcnbrh.config;

/** The page size that backs a mapping: the base page, or 2 MiB huge pages from the hugetlb pool. */
public enum PageSize {
    /** The base page (4 KiB on x86_64). */
    BASE(4096),
    /** 2 MiB huge pages ({@code MAP_HUGETLB}); they must be reserved in {@code /proc/sys/vm/nr_hugepages}. */
    HUGE_2M(2L << 20);

    private final long bytes;

    PageSize(long bytes) {
        this.bytes = bytes;
    }

    /** Bytes per page. */
    public long bytes() {
        return bytes;
    }

    /** {@code length} rounded up to a whole number of pages. */
    public long roundUp(long length) {
        return (length + bytes - 1) / bytes * bytes;
    }
}
