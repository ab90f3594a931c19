package io.zcnbrh.daemon;

import io.zcnbrh.backend.afxdp.AfXdpSockets;
import io.zcnbrh.backend.afxdp.XskSocket;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import io.zcnbrh.filter.FilterCounters;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.mem.PageSize;
import io.zcnbrh.sys.UnixSocket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * zcnbrhd: the privileged side of zero-copy for applications without root (M14). It owns the interfaces' XDP
 * programs and maps ({@link DaemonInterface}); an application connects over a Unix socket, is identified by the
 * kernel (SO_PEERCRED), checked against the {@link Policy}, and receives an already bound AF_XDP socket and its own
 * UMEM (a memfd) over SCM_RIGHTS; the application maps them and runs the same fast path with no privilege. Its
 * queue's program (its grant's filter and its own, then the redirect) goes live once its fill ring is full. When the
 * connection closes (the application exited, was killed, or the daemon stops), the queue's program and socket leave
 * the maps and everything the client had is freed.
 */
public final class Zcnbrhd implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.zcnbrh.daemon");
    /** The largest ring a client may ask for. */
    public static final int MAX_RING = 8192;
    /** The name the daemon gives every client UMEM (its memfd), so an audit can find them. */
    public static final String UMEM_NAME = "zcnbrhd-umem";

    private final UnixSocket listener;
    private final String path;
    private final Policy policy;
    private final Map<String, DaemonInterface> interfaces = new HashMap<>();
    private final Set<UnixSocket> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger live = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private Zcnbrhd(UnixSocket listener, String path, Policy policy) {
        this.listener = listener;
        this.path = path;
        this.policy = policy;
        this.acceptor = Thread.ofPlatform().name("zcnbrhd-accept").daemon().unstarted(this::acceptLoop);
    }

    /** Listens on {@code path} (mode 0666: the policy, not the file, decides who gets what). */
    public static Zcnbrhd start(String path, Policy policy) throws IOException {
        Files.deleteIfExists(Path.of(path));
        UnixSocket l = UnixSocket.listen(path, 16);
        Files.setPosixFilePermissions(Path.of(path), PosixFilePermissions.fromString("rw-rw-rw-"));
        Zcnbrhd d = new Zcnbrhd(l, path, policy);
        d.acceptor.start();
        LOG.log(System.Logger.Level.INFO, "zcnbrhd listening on {0} with grants {1}", path, policy);
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
            connections.add(conn);
            // a platform thread: serve() blocks in recvmsg, a native call that would pin a virtual thread's carrier
            Thread t = Thread.ofPlatform().name("zcnbrhd-client").daemon().unstarted(() -> {
                try {
                    serve(conn);
                } finally {
                    connections.remove(conn);
                    clients.remove(Thread.currentThread());
                }
            });
            clients.add(t);
            t.start();
            if (closed) {
                conn.shutdown();
            }
        }
    }

    /** One client: request, checks, hand-over, then wait for the connection to end and clean up. */
    private void serve(UnixSocket conn) {
        try (conn) {
            UnixSocket.Credentials who = conn.peer();
            UnixSocket.Message req = conn.receive(4096);
            if (req == null) {
                return;
            }
            Request r = Request.parse(new String(req.data(), StandardCharsets.UTF_8));
            String refusal = r.problem();
            Grant grant = refusal == null ? policy.find(who, r.ifname(), r.queue()) : null;
            if (refusal == null && grant == null) {
                refusal = "uid " + who.uid() + " (gid " + who.gid() + ", pid " + who.pid() + ") has no grant for "
                    + r.ifname() + "@" + r.queue() + "; ask the operator to add " + who.uid() + ":" + r.ifname() + "@"
                    + r.queue() + " to the policy";
            } else if (refusal == null && r.frames() > grant.maxFrames()) {
                refusal = "the grant " + grant + " allows " + grant.maxFrames() + " frames; asked for " + r.frames()
                    + " (lower the ring size or frame count)";
            }
            PacketFilter filter = null;
            if (refusal == null) {
                String expr = both(grant.filter(), r.filter());
                try {
                    filter = expr == null ? null : PacketFilter.compile(expr);
                } catch (IllegalArgumentException e) {
                    refusal = "the filter does not compile: " + e.getMessage();
                }
            }
            if (refusal != null) {
                refuse(conn, refusal);
                return;
            }
            DaemonInterface itf;
            try {
                itf = acquire(r.ifname());
            } catch (RuntimeException e) {
                refuse(conn, "cannot take " + r.ifname() + ": " + e.getMessage());
                return;
            }
            try {
                String holder = itf.claim(r.queue(), "pid " + who.pid() + " (uid " + who.uid() + ")");
                if (holder != null) {
                    refuse(conn, r.ifname() + "@" + r.queue() + " is taken by " + holder);
                    return;
                }
                try {
                    hand(conn, who, r, itf, filter);
                } finally {
                    itf.unclaim(r.queue());
                }
            } finally {
                release(r.ifname(), itf);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "zcnbrhd client: {0}", e.toString());
        }
    }

    /** Binds the client's socket on its own UMEM, hands both over, goes live when asked, and cleans up at the end. */
    private void hand(UnixSocket conn, UnixSocket.Credentials who, Request r, DaemonInterface itf, PacketFilter filter) {
        FilterCounters verdicts = filter != null ? FilterCounters.create() : null;
        try (Mapping umem = Mapping.memfd(UMEM_NAME, FrameRegion.bytesFor(r.frames(), r.frameSize()), PageSize.BASE, -1);
             XskSocket sock = AfXdpSockets.bind(r.ifname(), r.queue(), umem, r.frameSize(), r.ring());
             BpfProgram program = filter != null
                 ? BpfProgram.load(ProgramType.XDP, filter.program(itf.xsks(), verdicts.map()), "zcnbrhd_tenant")
                 : XskRedirectProgram.load(itf.xsks())) {
            conn.send(Protocol.format(Map.of("status", "ok", "ring", String.valueOf(r.ring()), "frames",
                String.valueOf(r.frames()), "frame_size", String.valueOf(r.frameSize()), "wakeup",
                String.valueOf(sock.needWakeup()), "umem_bytes", String.valueOf(umem.segment().byteSize()),
                "filter", filter != null ? filter.expression() : "")).getBytes(StandardCharsets.UTF_8),
                sock.fd(), umem.fd());
            // the client fills its fill ring first and says so; then its queue goes live
            if (conn.receive(64) == null) {
                return;
            }
            itf.goLive(r.queue(), sock, program);
            live.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, "zcnbrhd: uid {0} pid {1} receives on {2}@{3}{4}", str(who.uid()),
                str(who.pid()), r.ifname(), str(r.queue()),
                filter != null ? " (filter: " + filter.expression() + ")" : "");
            try {
                while (conn.receive(64) != null) {
                    // the connection stays open while the client runs; end of stream = it is gone
                }
            } finally {
                itf.goDark(r.queue()); // program slot first, then the socket: no frame is redirected into a dead socket
                live.decrementAndGet();
                LOG.log(System.Logger.Level.INFO, "zcnbrhd: pid {0} is gone; {1}@{2} released, its UMEM of {3} "
                    + "frames freed{4}", str(who.pid()), r.ifname(), str(r.queue()), str(r.frames()),
                    verdicts == null ? ""
                    : "; its filter sent " + verdicts.count(Verdict.SOCKET) + " frames to it and "
                    + verdicts.count(Verdict.PASS) + " to the kernel");
            }
        } finally {
            if (verdicts != null) {
                verdicts.close();
            }
        }
    }

    /** A number as it is (System.Logger formats numbers with grouping: "pid 8,518"). */
    private static String str(long n) {
        return Long.toString(n);
    }

    private static String both(String a, String b) {
        if (a == null || a.isBlank()) {
            return b == null || b.isBlank() ? null : b;
        }
        return b == null || b.isBlank() ? a : "(" + a + ") and (" + b + ")";
    }

    private DaemonInterface acquire(String ifname) {
        synchronized (interfaces) {
            DaemonInterface itf = interfaces.get(ifname);
            if (itf == null) {
                itf = DaemonInterface.attach(ifname);
                interfaces.put(ifname, itf);
            }
            itf.users++;
            return itf;
        }
    }

    private void release(String ifname, DaemonInterface itf) {
        synchronized (interfaces) {
            if (--itf.users == 0) {
                interfaces.remove(ifname);
                itf.close();
            }
        }
    }

    private static void refuse(UnixSocket conn, String why) {
        LOG.log(System.Logger.Level.WARNING, "zcnbrhd refused: {0}", why);
        conn.send(Protocol.format(Map.of("status", "refused", "reason", why)).getBytes(StandardCharsets.UTF_8));
    }

    /** Clients whose queue is live now. */
    public int liveClients() {
        return live.get();
    }

    /** Interfaces that carry the daemon's program now. */
    public int interfaces() {
        synchronized (interfaces) {
            return interfaces.size();
        }
    }

    /** What this process holds of client UMEMs, as the kernel sees it (/proc/self): open memfds and mappings. */
    public record Holdings(int umemDescriptors, int umemMappings) {
    }

    /**
     * The audit after a client is gone: every UMEM the daemon made is a memfd named {@link #UMEM_NAME}; when no
     * client is live, none may be open or mapped in this process (the frames of a killed client are not leaked).
     */
    public static Holdings holdings() {
        String tag = "memfd:" + UMEM_NAME;
        int fds = 0;
        try (var dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : dir) {
                try {
                    if (Files.readSymbolicLink(fd).toString().contains(tag)) {
                        fds++;
                    }
                } catch (IOException gone) {
                    // closed while we looked
                }
            }
            int maps = (int) Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(tag)).count();
            return new Holdings(fds, maps);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading /proc/self", e);
        }
    }

    /** The socket path. */
    public String path() {
        return path;
    }

    /** The policy. */
    public Policy policy() {
        return policy;
    }

    /**
     * Stops: no new connections, every client's connection ended (their ports see it and fail with a clear
     * error), every queue, program and UMEM freed before this returns.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        listener.shutdown(); // wakes accept(2), which close(2) would not
        List<Thread> waiting = new ArrayList<>(clients);
        for (UnixSocket c : connections) {
            c.shutdown();
        }
        try {
            acceptor.join(5000);
            for (Thread t : waiting) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.close();
        Files.deleteIfExists(Path.of(path));
    }
}
