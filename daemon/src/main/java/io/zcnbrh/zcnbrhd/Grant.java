package io.zcnbrh.zcnbrhd;

import io.zcnbrh.filter.PacketFilter;
import io.zcnbrh.sys.UnixSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One line of zcnbrhd's policy: who ({@code UID}, a user name, or {@code g:GID} / {@code g:GROUP} for the primary
 * group SO_PEERCRED reports) may open which interface and queue ({@code *} for any), with how many UMEM frames at
 * most, and which filter: the tenant's socket sees only frames that match it (and its own filter, if it asks for
 * one); the rest of its queue goes to the kernel stack. A grant allows receiving only unless it says {@code tx}: the
 * tenant of a receive-only grant gets a socket with no TX ring (the kernel refuses to add one after bind), so it
 * cannot put a frame on the wire. The frame limit holds for all connections under the grant together.
 *
 * <pre>  PRINCIPAL:IFACE@QUEUE [rx] [tx] [frames=N] [filter=EXPRESSION...]</pre>
 *
 * @param group     whether {@code id} is a group id
 * @param id        the uid or gid
 * @param ifname    the interface
 * @param queue     the queue, or -1 for any
 * @param maxFrames the largest UMEM the grant allows, in frames
 * @param filter    a tcpdump expression every frame handed to the tenant must match, or null
 * @param transmit  whether the tenant may transmit (its socket gets a TX ring)
 */
public record Grant(boolean group, int id, String ifname, int queue, int maxFrames, String filter, boolean transmit) {
    /** The largest UMEM any client gets, and the default of a grant. */
    public static final int MAX_FRAMES = 65536;

    /** A plain grant: {@code uid} may open {@code ifname}@{@code queue}, default frames, no filter. */
    public Grant(int uid, String ifname, int queue) {
        this(false, uid, ifname, queue, MAX_FRAMES, null, false);
    }

    public Grant {
        if (maxFrames < 1 || maxFrames > MAX_FRAMES) {
            throw new IllegalArgumentException("frames=" + maxFrames + ": a grant allows 1 to " + MAX_FRAMES + " frames");
        }
        if (filter != null) {
            PacketFilter.compile(filter); // refused here, with the caret, rather than when a tenant connects
        }
    }

    /**
     * Parses {@code PRINCIPAL:IFACE@QUEUE [rx] [tx] [frames=N] [filter=EXPRESSION...]} (the filter takes the rest of
     * the line; {@code rx} alone, the default, receives only).
     */
    public static Grant parse(String line) {
        String s = line.trim();
        String head = s.split("\\s+", 2)[0];
        String rest = s.substring(head.length()).trim();
        int at = head.lastIndexOf('@');
        int colon = head.lastIndexOf(':', at);
        if (colon <= 0 || at < colon + 2 || at == head.length() - 1) {
            throw new IllegalArgumentException("a grant is PRINCIPAL:IFACE@QUEUE [rx] [tx] [frames=N] [filter=EXPR], "
                + "not '" + line + "'");
        }
        String principal = head.substring(0, colon);
        boolean group = principal.startsWith("g:");
        int id = resolve(group ? principal.substring(2) : principal, group);
        String q = head.substring(at + 1);
        int queue = q.equals("*") ? -1 : number(q, "queue", line);
        int frames = MAX_FRAMES;
        String filter = null;
        boolean tx = false;
        while (!rest.isEmpty()) {
            if (rest.startsWith("filter=")) {
                filter = rest.substring("filter=".length()).trim();
                break;
            }
            String opt = rest.split("\\s+", 2)[0];
            rest = rest.substring(opt.length()).trim();
            if (opt.equals("tx")) {
                tx = true;
            } else if (opt.equals("rx")) {
                continue; // always allowed: a grant is at least a receive grant
            } else if (opt.startsWith("frames=")) {
                frames = number(opt.substring("frames=".length()), "frames", line);
            } else {
                throw new IllegalArgumentException("unknown grant option '" + opt + "' in '" + line
                    + "' (known: rx, tx, frames=N, filter=EXPRESSION)");
            }
        }
        return new Grant(group, id, head.substring(colon + 1, at), queue, frames, filter, tx);
    }

    /** Whether this grant covers {@code who} asking for {@code ifname}@{@code q}. */
    public boolean covers(UnixSocket.Credentials who, String ifname, int q) {
        return (group ? who.gid() == id : who.uid() == id) && this.ifname.equals(ifname) && (queue < 0 || queue == q);
    }

    @Override
    public String toString() {
        return (group ? "g:" : "") + id + ":" + ifname + "@" + (queue < 0 ? "*" : queue)
            + (transmit ? " tx" : "") + (maxFrames != MAX_FRAMES ? " frames=" + maxFrames : "")
            + (filter != null ? " filter=" + filter : "");
    }

    /** Who the grant's limits are counted against: {@code uid:N} or {@code gid:N}. */
    public String principal() {
        return (group ? "gid:" : "uid:") + id;
    }

    private static int number(String s, String what, String line) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a number in '" + line + "'");
        }
    }

    /** A numeric id, or a name looked up in /etc/passwd or /etc/group (the third field is the id). */
    private static int resolve(String name, boolean group) {
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            return Integer.parseInt(name);
        }
        Path db = Path.of(group ? "/etc/group" : "/etc/passwd");
        try {
            for (String entry : Files.readAllLines(db)) {
                String[] f = entry.split(":");
                if (f.length > 2 && f[0].equals(name)) {
                    return Integer.parseInt(f[2]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + db, e);
        }
        throw new IllegalArgumentException("no " + (group ? "group" : "user") + " '" + name + "' in " + db);
    }
}
