package io.zcnbrh.mem;

import io.zcnbrh.config.PageSize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's 2 MiB hugetlb pool as {@code /proc/meminfo} reports it; used to explain a failed huge-page mapping. */
public final class HugePagePool {
    private HugePagePool() {
    }

    /** {@code HugePages_Free} from /proc/meminfo, or -1 when it cannot be read. */
    public static long freePages() {
        return meminfo("HugePages_Free:");
    }

    /** {@code HugePages_Total} from /proc/meminfo, or -1 when it cannot be read. */
    public static long totalPages() {
        return meminfo("HugePages_Total:");
    }

    private static long meminfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Advice for a huge-page mapping of {@code length} bytes that failed with ENOMEM. */
    public static String reserveAdvice(long length) {
        long need = PageSize.HUGE_2M.roundUp(length) / PageSize.HUGE_2M.bytes();
        long free = freePages();
        long total = totalPages();
        return "needs " + need + " free 2 MiB huge pages but HugePages_Free=" + free + " (HugePages_Total=" + total
            + "); reserve them as root with `echo " + (Math.max(total, 0) + need)
            + " > /proc/sys/vm/nr_hugepages`, or use base pages (PageSize.BASE)";
    }
}
