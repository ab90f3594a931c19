package io.zcnbrh.backend.shm;

import io.zcnbrh.Packet;
import io.zcnbrh.PortConfig;
import io.zcnbrh.ShmOptions;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.error.ZcnbrhException;
import io.zcnbrh.mem.UntrustedFileException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A shm peer is another process, maybe in another container: liveness across PID namespaces, and region files
 * another user planted (docs/SECURITY.md).
 */
@Timeout(120)
@Tag("kernel")
class ShmTrustTest {
    private static final PortConfig CREATE = PortConfig.builder().ringSize(256).frameCount(512)
        .shm(ShmOptions.defaults().withRole(ShmOptions.Role.CREATE)).build();
    private static final PortConfig ATTACH = PortConfig.builder().shm(ShmOptions.defaults().withRole(ShmOptions.Role.ATTACH).withAttachTimeout(java.time.Duration.ofSeconds(2))).build();

    @Test
    void aLivePeerInAnotherPidNamespaceIsNotTakenForDead() throws Exception {
        String name = ShmPair.uniqueName();
        try (ShmPort holder = ShmPort.open(name, CREATE)) {
            // the sender sees this JVM's pid, which does not exist in its namespace: by pid, its peer was dead, and
            // it took back (and sent again) the frames this side still holds
            List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc",
                ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), ShmHoldingSenderMain.class.getName(),
                name, "1500"));
            Process sender = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                List<Packet> held = new ArrayList<>();
                BufferedReader out = new BufferedReader(new InputStreamReader(sender.getInputStream(),
                    StandardCharsets.UTF_8));
                String result = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (result == null && System.nanoTime() < deadline) {
                    Packet p = holder.poll();
                    if (p != null) {
                        held.add(p); // never released: the sender must not see its frames come back
                        continue;
                    }
                    if (sender.getInputStream().available() > 0) {
                        String line = out.readLine();
                        if (line != null && line.startsWith("RESULT")) {
                            result = line;
                        }
                    }
                    Thread.onSpinWait();
                }
                assertTrue(result != null, "the sender finished");
                Matcher m = Pattern.compile("sent=(\\d+) reclaimed=(\\d+) peerGone=(\\w+) pid=(\\d+)").matcher(result);
                assertTrue(m.find(), result);
                while (holder.poll() instanceof Packet p) {
                    held.add(p);
                }
                assertTrue(Long.parseLong(m.group(4)) < 10, "the sender ran in a PID namespace of its own: " + result);
                assertEquals("false", m.group(3), "the sender took its live peer for dead: " + result);
                assertEquals("0", m.group(2), "frames taken back from a live peer: " + result);
                assertEquals(CREATE.frameCount() / 2, Long.parseLong(m.group(1)), "sent exactly its own frames");
                assertEquals(CREATE.frameCount() / 2, held.size(), "nothing arrived twice through one frame");
                assertFalse(holder.peerGone(), "this side sees the sender alive");
                sender.getOutputStream().close(); // the sender ends
                assertTrue(sender.waitFor(30, TimeUnit.SECONDS));
                while (!holder.peerGone()) { // its lock went with its process; bounded by the test's timeout
                    Thread.sleep(10);
                }
                held.forEach(holder::release);
            } finally {
                sender.destroyForcibly();
            }
        }
    }

    @Test
    void aRegionFileAnotherUserPlantedIsNeverAttached() throws Exception {
        String name = ShmPair.uniqueName();
        Path path = ShmPort.pathOf(name);
        try (ShmPort planted = ShmPort.open(name, CREATE)) {
            // a complete, valid region, as a hostile user would prepare it, then handed to uid 65534
            Files.setAttribute(path, "unix:uid", 65534);
            UntrustedFileException foreign = assertThrows(UntrustedFileException.class, () -> ShmPort.open(name, ATTACH));
            assertTrue(foreign.getMessage().contains("owned by uid 65534"), foreign.getMessage());
            Files.setAttribute(path, "unix:uid", 0);
            Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            UntrustedFileException open = assertThrows(UntrustedFileException.class, () -> ShmPort.open(name, ATTACH));
            assertTrue(open.getMessage().contains("writable by every user (mode 666)"), open.getMessage());
        }
        // a symbolic link in its place is never followed
        String linked = ShmPair.uniqueName();
        Path target = Files.createTempFile("zcnbrh-target", ".bin");
        Path link = ShmPort.pathOf(linked);
        try {
            Files.write(target, new byte[8192]);
            Files.createSymbolicLink(link, target);
            SyscallException loop = assertThrows(SyscallException.class, () -> ShmPort.open(linked, ATTACH));
            assertTrue(loop.getMessage().contains("ELOOP") && loop.getMessage().contains("symbolic link"),
                loop.getMessage());
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(target);
        }
        // and a stale-file sweep deletes only a complete region both of whose sides are gone
        String foreign = ShmPair.uniqueName();
        Path other = ShmPort.pathOf(foreign);
        try {
            Files.write(other, new byte[8192]);
            ZcnbrhException notOurs = assertThrows(ZcnbrhException.class, () -> ShmPort.open(foreign,
                PortConfig.builder().shm(ShmOptions.defaults().withAttachTimeout(java.time.Duration.ofMillis(300))).build()));
            assertTrue(Files.exists(other), "another program's file was deleted: " + notOurs.getMessage());
        } finally {
            Files.deleteIfExists(other);
        }
    }
}
