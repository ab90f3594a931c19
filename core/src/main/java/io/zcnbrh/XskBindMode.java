package io.zcnbrh;

/** How an AF_XDP socket binds ({@link PortConfig.Builder#bindMode}): zero-copy where the driver offers it, or copy. */
public enum XskBindMode {
    /** Ask for zero-copy, fall back to copy (announced) when the driver has none. */
    AUTO,
    /** XDP_COPY. */
    COPY,
    /** XDP_ZEROCOPY, failing with EOPNOTSUPP where the driver has none. */
    ZEROCOPY
}
