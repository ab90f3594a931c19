package io.zcnbrh.zcnbrhd;

import io.zcnbrh.backend.afxdp.AfXdpSockets;
import io.zcnbrh.backend.afxdp.XskSocket;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.programs.XskRedirectProgram;
import io.zcnbrh.config.PageSize;
import io.zcnbrh.daemon.Protocol;
import io.zcnbrh.error.Errno;
import io.zcnbrh.error.SyscallException;
import io.zcnbrh.filter.FilterCounters;
import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.filter.Verdict;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.OpenFiles;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
    private static final int ECONNABORTED = 103;
    /** The largest ring a client may ask for. */
    public static final int MAX_RING = 8192;
    /** The name the daemon gives every client UMEM (its memfd), so an audit can find them. */
    public static final String UMEM_NAME = "zcnbrhd-umem";

    private final UnixSocket listener;
    private final String path;
    private final Policy policy;
    private final DaemonLimits limits;
    private final Consumer<String> onFatal;
    private final Map<String, DaemonInterface> interfaces = new HashMap<>();
    private final Set<UnixSocket> connections = ConcurrentHashMap.newKeySet();
    /** Connections served to their end or turned away since the start. */
    private final java.util.concurrent.atomic.AtomicLong ended = new java.util.concurrent.atomic.AtomicLong();
    private final Set<Thread> clients = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Integer> connectionsByUid = new HashMap<>();
    private final Map<Grant, Integer> framesByGrant = new HashMap<>();
    private final Map<String, String[]> formerTenants = new HashMap<>();
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicLong turnedAway = new AtomicLong();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile String failure;

    private Zcnbrhd(UnixSocket listener, String path, Policy policy, DaemonLimits limits, Consumer<String> onFatal) {
        this.listener = listener;
        this.path = path;
        this.policy = policy;
        this.limits = limits;
        this.onFatal = onFatal;
        this.acceptor = Thread.ofPlatform().name("zcnbrhd-accept").daemon().unstarted(this::acceptLoop);
    }

    /** Listens on {@code path} (mode 0666: the policy, not the file, decides who gets what), default limits. */
    public static Zcnbrhd start(String path, Policy policy) throws IOException {
        return start(path, policy, DaemonLimits.defaults(), reason -> { });
    }

    /**
     * Listens on {@code path} with {@code limits}; {@code onFatal} hears why, if the daemon can no longer accept
     * connections (the command ends the process there, so that its supervisor starts a fresh one).
     */
    public static Zcnbrhd start(String path, Policy policy, DaemonLimits limits, Consumer<String> onFatal)
            throws IOException {
        Files.deleteIfExists(Path.of(path));
        UnixSocket l = UnixSocket.listen(path, 128);
        Files.setPosixFilePermissions(Path.of(path), PosixFilePermissions.fromString("rw-rw-rw-"));
        Zcnbrhd d = new Zcnbrhd(l, path, policy, limits, onFatal);
        d.acceptor.start();
        LOG.log(System.Logger.Level.INFO, "zcnbrhd listening on {0} with grants {1}", path, policy);
        return d;
    }

    /**
     * Accepts until closed. Running out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) is waited out
     * while the connections already served go on; if it lasts longer than {@link DaemonLimits#acceptFailure()}, or
     * accept fails any other way, the daemon gives up loudly instead of living on deaf.
     */
    private void acceptLoop() {
        long failingSince = 0;
        while (!closed) {
            UnixSocket conn;
            try {
                conn = listener.accept();
                failingSince = 0;
            } catch (SyscallException e) {
                if (closed) {
                    return;
                }
                int errno = e.errno();
                boolean passing = errno == Errno.EMFILE || errno == Errno.ENFILE || errno == Errno.ENOBUFS
                    || errno == Errno.ENOMEM || errno == Errno.EINTR || errno == ECONNABORTED;
                long now = System.nanoTime();
                if (passing && failingSince == 0) {
                    failingSince = now;
                    LOG.log(System.Logger.Level.WARNING, "zcnbrhd: accept: {0}; serving the {1} connections it "
                        + "has and trying again", e.getMessage(), str(connections.size()));
                }
                if (!passing || now - failingSince > limits.acceptFailure().toNanos()) {
                    fail("accept(2) on " + path + " " + (passing ? "kept failing for " + limits.acceptFailure()
                        + ": " : "failed: ") + e.getMessage());
                    return;
                }
                pause(50);
                continue;
            } catch (RuntimeException e) {
                if (!closed) {
                    fail("accept(2) on " + path + " failed: " + e);
                }
                return;
            }
            admit(conn);
        }
    }

    private void fail(String why) {
        failure = why;
        LOG.log(System.Logger.Level.ERROR, "zcnbrhd cannot serve any more: {0}; ending, so that its supervisor "
            + "(systemd Restart=, a Kubernetes restart policy) starts a fresh one", why);
        onFatal.accept(why);
    }

    /** The listening socket (tests break it to see the daemon give up). */
    UnixSocket listener() {
        return listener;
    }

    /** Why the daemon stopped accepting, or null while it accepts. */
    public String failure() {
        return failure;
    }

    /** Serves {@code conn} on a thread of its own if its uid and the total are under the limits; else turns it away. */
    private void admit(UnixSocket conn) {
        UnixSocket.Credentials who;
        try {
            who = conn.peer();
        } catch (RuntimeException e) {
            conn.close();
            ended.incrementAndGet();
            return;
        }
        String full = null;
        synchronized (connectionsByUid) {
            int mine = connectionsByUid.getOrDefault(who.uid(), 0);
            if (connections.size() >= limits.connections()) {
                full = "zcnbrhd serves " + limits.connections() + " connections at most and has that many; try again";
            } else if (mine >= limits.connectionsPerUid()) {
                full = "uid " + who.uid() + " has " + mine + " connections open, the most one user may have";
            } else {
                connectionsByUid.put(who.uid(), mine + 1);
                connections.add(conn);
            }
        }
        if (full != null) {
            long n = turnedAway.incrementAndGet();
            if (Long.bitCount(n) == 1) { // the 1st, 2nd, 4th, 8th...: a flood cannot flood the log
                LOG.log(System.Logger.Level.WARNING, "zcnbrhd turned away a connection of uid {0} pid {1} ({2} so "
                    + "far): {3}", str(who.uid()), str(who.pid()), str(n), full);
            }
            try (conn) {
                UnixSocket.closeDescriptors(conn.receiveNow(4096));
                answer(conn, full);
            } catch (RuntimeException gone) {
                // it did not wait
            }
            ended.incrementAndGet();
            return;
        }
        // a platform thread: serve() blocks in recvmsg, a native call that would pin a virtual thread's carrier;
        // their number is bounded by the connection limit
        Thread t = Thread.ofPlatform().name("zcnbrhd-client").daemon().unstarted(() -> {
            try {
                serve(conn, who);
            } finally {
                connections.remove(conn);
                synchronized (connectionsByUid) {
                    connectionsByUid.merge(who.uid(), -1, (a, b) -> a + b == 0 ? null : a + b);
                }
                clients.remove(Thread.currentThread());
                ended.incrementAndGet(); // last: a connection counted as ended is out of every table
            }
        });
        clients.add(t);
        t.start();
        if (closed) {
            conn.shutdown();
        }
    }

    /** One message from a client; any descriptors it attached are closed at once (nothing a client sends is kept). */
    private static UnixSocket.Message receive(UnixSocket conn, int maxBytes) {
        UnixSocket.Message m = conn.receive(maxBytes);
        UnixSocket.closeDescriptors(m);
        return m;
    }

    /** One client: request, checks, hand-over, then wait for the connection to end and clean up. */
    private void serve(UnixSocket conn, UnixSocket.Credentials who) {
        try (conn) {
            conn.receiveTimeout(limits.requestTimeout().toMillis());
            UnixSocket.Message req = receive(conn, 4096);
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
            }
            PacketFilter filter = null;
            if (refusal == null) {
                try {
                    filter = filter(grant, r.filter());
                } catch (IllegalArgumentException e) {
                    refusal = "the filter does not compile on its own: " + Protocol.printable(e.getMessage());
                }
            }
            if (refusal == null) {
                refusal = reserveFrames(grant, r.frames());
            }
            if (refusal != null) {
                refuse(conn, refusal);
                return;
            }
            try {
                serve(conn, who, r, grant, filter);
            } finally {
                releaseFrames(grant, r.frames());
            }
        } catch (SyscallException e) {
            if (e.errno() == Errno.EAGAIN) {
                LOG.log(System.Logger.Level.WARNING, "zcnbrhd: uid {0} pid {1} did not speak within {2}; its "
                    + "connection is closed", str(who.uid()), str(who.pid()), limits.requestTimeout());
            } else {
                LOG.log(System.Logger.Level.WARNING, "zcnbrhd client: {0}", e.toString());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "zcnbrhd client: {0}", e.toString());
        }
    }

    private void serve(UnixSocket conn, UnixSocket.Credentials who, Request r, Grant grant, PacketFilter filter) {
        DaemonInterface itf;
        try {
            itf = acquire(r.ifname());
        } catch (RuntimeException e) {
            refuse(conn, "cannot take " + r.ifname() + ": " + e.getMessage());
            return;
        }
        try {
            String tenant = "pid " + who.pid() + " (uid " + who.uid() + ")";
            String holder = itf.claim(r.queue(), tenant);
            if (holder == null) {
                String kept = keptSocket(r.ifname() + "@" + r.queue());
                if (kept != null) {
                    itf.unclaim(r.queue());
                    holder = kept;
                }
            }
            if (holder != null) {
                refuse(conn, r.ifname() + "@" + r.queue() + " is taken by " + holder);
                return;
            }
            String[] socketName = new String[1];
            try {
                hand(conn, who, r, grant.transmit(), itf, filter, socketName);
            } catch (RuntimeException e) {
                refuse(conn, "cannot open " + r.ifname() + "@" + r.queue() + " for you: " + e.getMessage());
            } finally {
                itf.unclaim(r.queue());
                if (socketName[0] != null) {
                    synchronized (formerTenants) {
                        formerTenants.put(r.ifname() + "@" + r.queue(), new String[] {tenant, socketName[0]});
                    }
                }
            }
        } finally {
            release(r.ifname(), itf);
        }
    }

    /**
     * Who still holds the socket the last tenant of {@code queue} was handed, or null: a queue is not free while
     * that socket is open anywhere (procfs), because a tenant that ended its connection but kept its socket can
     * still use it. Waits up to a second for it to go: a killed tenant's descriptors are released by the kernel just
     * after its connection ends.
     */
    private String keptSocket(String queue) {
        String[] former;
        synchronized (formerTenants) {
            former = formerTenants.get(queue);
        }
        if (former == null) {
            return null;
        }
        List<Long> pids = OpenFiles.holders(former[1]);
        for (int i = 0; i < 50 && !pids.isEmpty(); i++) {
            pause(20);
            pids = OpenFiles.holders(former[1]);
        }
        if (pids.isEmpty()) {
            synchronized (formerTenants) {
                formerTenants.remove(queue, former);
            }
            return null;
        }
        return "the AF_XDP socket of " + former[0] + ", which ended its connection but kept its socket (" + former[1]
            + " is still open in pid " + pids + "); the queue is free once that socket is closed";
    }

    /**
     * The grant's filter and the client's, each parsed on its own and joined on the syntax tree: a client's text
     * that does not stand alone ({@code tcp) or (ip}) is refused, and nothing it writes can widen the grant's.
     */
    static PacketFilter filter(Grant grant, String own) {
        PacketFilter granted = grant.filter() == null ? null : PacketFilter.compile(grant.filter());
        PacketFilter mine = own == null || own.isBlank() ? null : PacketFilter.compile(own);
        return granted == null ? mine : mine == null ? granted : granted.and(mine);
    }

    /**
     * Counts {@code frames} against the grant: its limit holds for all connections under it together (a uid with an
     * {@code @*} grant cannot multiply it by opening every queue). A refusal if they would hold too many.
     */
    private String reserveFrames(Grant grant, int frames) {
        synchronized (framesByGrant) {
            int held = framesByGrant.getOrDefault(grant, 0);
            if (held + frames > grant.maxFrames()) {
                return "the grant " + grant + " allows " + grant.maxFrames() + " frames for " + grant.principal()
                    + " in all; its other connections under it hold " + held + " and this one asked for " + frames
                    + " (lower the ring size or frame count, or close another port)";
            }
            framesByGrant.put(grant, held + frames);
            return null;
        }
    }

    private void releaseFrames(Grant grant, int frames) {
        synchronized (framesByGrant) {
            framesByGrant.merge(grant, -frames, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    /** Binds the client's socket on its own UMEM, hands both over, goes live when asked, and cleans up at the end. */
    private void hand(UnixSocket conn, UnixSocket.Credentials who, Request r, boolean transmit, DaemonInterface itf,
                      PacketFilter filter, String[] socketName) {
        FilterCounters verdicts = filter != null ? FilterCounters.create() : null;
        try (Mapping umem = Mapping.memfd(UMEM_NAME, FrameRegion.bytesFor(r.frames(), r.frameSize()), PageSize.BASE, -1);
             XskSocket sock = AfXdpSockets.bind(r.ifname(), r.queue(), umem, r.frameSize(), r.ring(), transmit);
             BpfProgram program = filter != null
                 ? BpfProgram.load(ProgramType.XDP, filter.program(itf.xsks(), verdicts.map()), "zcnbrhd_tenant")
                 : XskRedirectProgram.load(itf.xsks())) {
            socketName[0] = OpenFiles.target(sock.fd()); // socket:[INODE]: how /proc names it in every holder
            conn.send(Protocol.format(Map.of("status", "ok", "ring", String.valueOf(r.ring()), "frames",
                String.valueOf(r.frames()), "frame_size", String.valueOf(r.frameSize()), "wakeup",
                String.valueOf(sock.needWakeup()), "umem_bytes", String.valueOf(umem.segment().byteSize()),
                "filter", filter != null ? filter.expression() : "", "tx", String.valueOf(transmit)))
                .getBytes(StandardCharsets.UTF_8), sock.fd(), umem.fd());
            // the client fills its fill ring first and says so; then its queue goes live
            if (receive(conn, 64) == null) {
                return;
            }
            conn.receiveTimeout(0); // from now on the connection only has to stay open
            itf.goLive(r.queue(), sock, program);
            live.incrementAndGet();
            LOG.log(System.Logger.Level.INFO, "zcnbrhd: uid {0} pid {1} receives{2} on {3}@{4}{5}", str(who.uid()),
                str(who.pid()), transmit ? " and transmits" : "", r.ifname(), str(r.queue()),
                filter != null ? " (filter: " + Protocol.printable(filter.expression()) + ")" : "");
            try {
                while (receive(conn, 64) != null) {
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

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        LOG.log(System.Logger.Level.WARNING, "zcnbrhd refused: {0}", Protocol.printable(why));
        answer(conn, why);
    }

    /** Sends a refusal without logging it. */
    private static void answer(UnixSocket conn, String why) {
        try {
            conn.send(Protocol.format(Map.of("status", "refused", "reason", why)).getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException gone) {
            // the client did not wait for the answer
        }
    }

    /** Connections open now, served or waiting to be. */
    public int connections() {
        return connections.size();
    }

    /** Connections that ended (served to their end, or turned away) since the daemon started. */
    public long endedConnections() {
        return ended.get();
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
        try {
            int maps = (int) Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(tag)).count();
            return new Holdings(OpenFiles.countOwn(tag), maps);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading /proc/self/maps", e);
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
