package io.zcnbrh.daemon;

import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.afxdp.AfXdpSockets;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.mem.PageSize;
import io.zcnbrh.sys.UnixSocket;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * zcnbrhd: the privileged side of zero-copy for applications without root (M14). It owns the interfaces' XDP
 * programs and XSKMAPs; an application connects over a Unix socket, is identified by the kernel (SO_PEERCRED),
 * checked against the grants, and receives an already bound AF_XDP socket and its own UMEM (a memfd) over
 * SCM_RIGHTS; the application maps them and runs the same fast path with no privilege. When the application's
 * connection closes (it exited, or was killed), its socket leaves the XSKMAP and everything it had is freed.
 */
public final class Zcnbrhd implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.daemon");

    /** A grant: user {@code uid} may open {@code ifname} queue {@code queue}. */
    public record Grant(int uid, String ifname, int queue) {
        /** Parses {@code UID:IFACE@QUEUE}. */
        public static Grant parse(String s) {
            int colon = s.indexOf(':');
            int at = s.lastIndexOf('@');
            if (colon <= 0 || at < colon) {
                throw new IllegalArgumentException("a grant is UID:IFACE@QUEUE, not '" + s + "'");
            }
            return new Grant(Integer.parseInt(s.substring(0, colon)), s.substring(colon + 1, at),
                Integer.parseInt(s.substring(at + 1)));
        }
    }

    private final UnixSocket listener;
    private final String path;
    private final Set<Grant> grants;
    private final Map<String, Interface> interfaces = new HashMap<>();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();

    /** An interface's program and map, shared by its clients. */
    private static final class Interface {
        final BpfMap xsks;
        final BpfProgram program;
        final XdpAttachment attachment;
        int clients;

        Interface(String ifname) {
            this.xsks = BpfMap.create(MapType.XSKMAP, 4, 4, 64, "zcnbrhd_xsks");
            this.program = XskRedirectProgram.load(xsks);
            this.attachment = XdpAttachment.attach(program, ifname, XdpMode.DRIVER);
        }

        void close() {
            attachment.close();
            program.close();
            xsks.close();
        }
    }

    private Zcnbrhd(UnixSocket listener, String path, Set<Grant> grants) {
        this.listener = listener;
        this.path = path;
        this.grants = grants;
    }

    /** Listens on {@code path} (mode 0666: the grants, not the file, decide who gets what). */
    public static Zcnbrhd start(String path, Set<Grant> grants) throws java.io.IOException {
        Files.deleteIfExists(Path.of(path));
        UnixSocket l = UnixSocket.listen(path, 16);
        Files.setPosixFilePermissions(Path.of(path), PosixFilePermissions.fromString("rw-rw-rw-"));
        Zcnbrhd d = new Zcnbrhd(l, path, grants);
        Thread.ofPlatform().name("zcnbrhd-accept").daemon().start(d::acceptLoop);
        LOG.log(System.Logger.Level.INFO, "zcnbrhd listening on {0} with grants {1}", path, grants);
        return d;
    }

    private void acceptLoop() {
        while (!closed) {
            UnixSocket conn;
            try {
                conn = listener.accept();
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "zcnbrhd accept: {0}", e.getMessage());
                }
                return;
            }
            // a platform thread: serve() blocks in recvmsg, a native call that would pin a virtual thread's carrier
            Thread.ofPlatform().name("zcnbrhd-client").daemon().start(() -> serve(conn));
        }
    }

    /** One client: request, checks, hand-over, then wait for the connection to end and clean up. */
    private void serve(UnixSocket conn) {
        try (conn) {
            UnixSocket.Credentials who = conn.peer();
            UnixSocket.Message req = conn.receive(512);
            if (req == null) {
                return;
            }
            Map<String, String> r = Protocol.parse(new String(req.data(), StandardCharsets.UTF_8));
            String ifname = r.getOrDefault("ifname", "");
            int queue = Integer.parseInt(r.getOrDefault("queue", "0"));
            Grant wanted = new Grant(who.uid(), ifname, queue);
            if (!grants.contains(wanted)) {
                refuse(conn, "uid " + who.uid() + " (pid " + who.pid() + ") has no grant for " + ifname + "@" + queue
                    + "; ask the operator to add " + who.uid() + ":" + ifname + "@" + queue);
                return;
            }
            int ring = Integer.parseInt(r.getOrDefault("ring", "2048"));
            int frames = Integer.parseInt(r.getOrDefault("frames", String.valueOf(2 * ring)));
            int frameSize = Integer.parseInt(r.getOrDefault("frame_size", "2048"));
            if (frames > 65536 || ring > 8192 || (frameSize != 2048 && frameSize != 4096)) {
                refuse(conn, "asked for more than a client may have (65536 frames, rings of 8192, 2048/4096 B)");
                return;
            }
            Interface itf;
            synchronized (interfaces) {
                itf = interfaces.get(ifname);
                if (itf == null) {
                    itf = new Interface(ifname);
                    interfaces.put(ifname, itf);
                }
                itf.clients++;
            }
            try (Mapping umem = Mapping.memfd("zcnbrhd-umem", FrameRegion.bytesFor(frames, frameSize), PageSize.BASE,
                     -1);
                 var sock = AfXdpSockets.bind(ifname, queue, umem, frameSize, ring)) {
                conn.send(Protocol.format(Map.of("status", "ok", "ring", String.valueOf(ring), "frames",
                    String.valueOf(frames), "frame_size", String.valueOf(frameSize), "wakeup",
                    String.valueOf(sock.needWakeup()), "umem_bytes", String.valueOf(umem.segment().byteSize())))
                    .getBytes(StandardCharsets.UTF_8), sock.fd(), umem.fd());
                // the client fills its fill ring first; it says so, then the socket goes live in the map
                UnixSocket.Message ready = conn.receive(64);
                if (ready != null) {
                    AfXdpSockets.insert(itf.xsks, queue, sock);
                    live.incrementAndGet();
                    LOG.log(System.Logger.Level.INFO, "zcnbrhd: uid {0} pid {1} receives on {2}@{3}", who.uid(),
                        who.pid(), ifname, queue);
                    while (conn.receive(64) != null) {
                        // the connection stays open while the client runs; end of stream = it is gone
                    }
                }
                if (ready != null) {
                    live.decrementAndGet();
                }
                AfXdpSockets.remove(itf.xsks, queue);
                LOG.log(System.Logger.Level.INFO, "zcnbrhd: pid {0} is gone; {1}@{2} released", who.pid(), ifname,
                    queue);
            } finally {
                synchronized (interfaces) {
                    if (--itf.clients == 0) {
                        interfaces.remove(ifname);
                        itf.close();
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "zcnbrhd client: {0}", e.getMessage());
        }
    }

    private static void refuse(UnixSocket conn, String why) {
        LOG.log(System.Logger.Level.WARNING, "zcnbrhd refused: {0}", why);
        conn.send(Protocol.format(Map.of("status", "refused", "reason", why)).getBytes(StandardCharsets.UTF_8));
    }

    /** Clients whose socket is live in an XSKMAP now. */
    public int liveClients() {
        return live.get();
    }

    /** The socket path. */
    public String path() {
        return path;
    }

    @Override
    public void close() throws java.io.IOException {
        closed = true;
        listener.close();
        Files.deleteIfExists(Path.of(path));
    }
}
