package io.zcnbrh;

import java.time.Duration;
import java.util.Objects;

/**
 * What only a {@code shm:} port uses: which side it takes, the permission bits of a region it creates and how long
 * an attaching side waits. Start from {@link #defaults()}: {@code ShmOptions.defaults().withRole(Role.CREATE)}.
 *
 * @param role            create, attach, or either (default)
 * @param filePermissions permission bits for a region file this process creates (default 0600: only this user may
 *                        attach)
 * @param attachTimeout   how long an attaching side waits for the creator to finish initialising the region
 */
public record ShmOptions(Role role, int filePermissions, Duration attachTimeout) {
    private static final ShmOptions DEFAULTS = new ShmOptions(Role.AUTO, 0600, Duration.ofSeconds(10));

    /** Which side of a {@code shm:} port this process takes. */
    public enum Role {
        /** Create the region; fail if the name exists. */
        CREATE,
        /** Attach to an existing region; fail if there is none. */
        ATTACH,
        /** Create the region, or attach when another process created it first. */
        AUTO
    }

    /** Checks every value. */
    public ShmOptions {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(attachTimeout, "attachTimeout");
        if ((filePermissions & ~0777) != 0) {
            throw new IllegalArgumentException("file permissions must be octal bits within 0777, was 0"
                + Integer.toOctalString(filePermissions));
        }
    }

    /** Either side, 0600, 10 seconds. */
    public static ShmOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another role. */
    public ShmOptions withRole(Role v) {
        return new ShmOptions(v, filePermissions, attachTimeout);
    }

    /** These options with other permission bits. */
    public ShmOptions withFilePermissions(int v) {
        return new ShmOptions(role, v, attachTimeout);
    }

    /** These options with another attach timeout. */
    public ShmOptions withAttachTimeout(Duration v) {
        return new ShmOptions(role, filePermissions, v);
    }
}
