package io.zcnbrh.sys;

import io.zcnbrh.config.PageSize;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.mem.Mapping;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daemon's transport: a memfd passed with SCM_RIGHTS is the same memory; the peer's credentials are the kernel's. */
@Tag("unit")
class UnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void aPassedMemfdIsTheSameMemoryAndThePeerIsKnown() throws Exception {
        String path = dir.resolve("zcnbrhd.sock").toString();
        try (UnixSocket server = UnixSocket.listen(path, 4);
             Mapping shared = Mapping.memfd("zcnbrh-test", 4096, PageSize.BASE, -1)) {
            shared.segment().set(JAVA_LONG, 0, 0x5A5A_1234_5678L);
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                try (UnixSocket c = UnixSocket.connect(path)) {
                    c.send("umem".getBytes(StandardCharsets.US_ASCII), shared.fd());
                    UnixSocket.Message ack = c.receive(64);
                    assertEquals("ok", new String(ack.data(), StandardCharsets.US_ASCII));
                }
            });
            try (UnixSocket conn = server.accept()) {
                UnixSocket.Credentials who = conn.peer();
                assertEquals(ProcessHandle.current().pid(), who.pid());
                assertEquals(0, who.uid(), "root runs the tests");
                UnixSocket.Message m = conn.receive(64);
                assertEquals("umem", new String(m.data(), StandardCharsets.US_ASCII));
                assertEquals(1, m.fds().length);
                assertTrue(m.fds()[0] != shared.fd(), "the receiver got its own descriptor");
                MemorySegment view = Libc.mmap(4096, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, m.fds()[0], 0,
                    "passed memfd", e -> "");
                assertEquals(0x5A5A_1234_5678L, view.get(JAVA_LONG, 0), "the same memory, not a copy");
                view.set(JAVA_LONG, 8, 42);
                assertEquals(42, shared.segment().get(JAVA_LONG, 8), "and writes go both ways");
                Libc.munmap(view);
                Libc.close(m.fds()[0]);
                conn.send("ok".getBytes(StandardCharsets.US_ASCII));
                client.get(5, TimeUnit.SECONDS);
                assertNull(conn.receive(64), "end of stream when the client is gone");
            }
        }
        SyscallException none = assertThrows(SyscallException.class, () -> UnixSocket.connect(dir.resolve("none")
            .toString()));
        assertTrue(none.getMessage().contains("no zcnbrhd listens there"), none.getMessage());
    }

    @Test
    void everyWayASocketCannotBeMadeSaysWhy(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        String path = dir.resolve("s.sock").toString();
        try (UnixSocket l = UnixSocket.listen(path, 4)) {
            SyscallException twice = org.junit.jupiter.api.Assertions.assertThrows(SyscallException.class,
                () -> UnixSocket.listen(path, 4));
            org.junit.jupiter.api.Assertions.assertTrue(twice.getMessage().contains("another daemon runs"),
                twice.getMessage());
            try (UnixSocket c = UnixSocket.connect(path)) {
                l.accept().close(); // the other end goes away
                SyscallException gone = org.junit.jupiter.api.Assertions.assertThrows(SyscallException.class,
                    () -> c.send(new byte[] {1}));
                org.junit.jupiter.api.Assertions.assertTrue(gone.getMessage().contains("the peer closed the connection"),
                    gone.getMessage());
                IllegalArgumentException many = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> c.send(new byte[1], new int[40]));
                org.junit.jupiter.api.Assertions.assertTrue(many.getMessage().contains("descriptors per message"));
            }
        }
        java.nio.file.Files.writeString(dir.resolve("plain"), "not a socket");
        SyscallException notSocket = org.junit.jupiter.api.Assertions.assertThrows(SyscallException.class,
            () -> UnixSocket.connect(dir.resolve("plain").toString()));
        org.junit.jupiter.api.Assertions.assertTrue(notSocket.getMessage().contains("connect(AF_UNIX"),
            notSocket.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(SyscallException.class,
            () -> UnixSocket.listen(dir.resolve("no/such/dir/s.sock").toString(), 4));
        IllegalArgumentException tooLong = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> UnixSocket.connect("/tmp/" + "x".repeat(120)));
        org.junit.jupiter.api.Assertions.assertTrue(tooLong.getMessage().contains("at most 107 bytes"));
    }
}
