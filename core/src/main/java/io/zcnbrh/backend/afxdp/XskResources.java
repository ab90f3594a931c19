package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

/**
 * What an AF_XDP port stands on (its slice of a UMEM from {@code base}, its socket, the interface's XSKMAP, program
 * and attachment) and who owns each part, which decides what the port closes: a port opened alone owns all of it,
 * a port of an {@link AfXdpQueues} group or of an {@link AfXdpSharedQueue} only its socket, a port over a socket passed by zcnbrhd its copies of the
 * daemon's socket and UMEM (the daemon keeps the map and the program).
 */
record XskResources(Mapping umem, long base, int frameCount, XskSocket socket, XdpSetup setup,
                    XdpAttachment attachment, Owner owner, QueueShare share) {

    /** Who owns the UMEM, the map, the program and the attachment. */
    enum Owner {
        /** The port, opened alone. */
        PORT,
        /** The {@link AfXdpQueues} or {@link AfXdpSharedQueue} group the port belongs to. */
        GROUP,
        /** The zcnbrhd daemon that passed the socket; there is no setup here. */
        DAEMON
    }

    /** A port's own UMEM, socket, map and program; attached only by {@link #goLiveIfOwned}. */
    static XskResources openAlone(String ifname, int queue, PortConfig config) {
        int ring = config.ringSize();
        int frameCount = Math.max(config.frameCount(), 2 * ring);
        int ifindex = Libc.ifindex(ifname);
        Mapping mem = null;
        XskSocket sock = null;
        XdpSetup setup = null;
        try {
            mem = Mapping.anonymous(FrameRegion.bytesFor(frameCount, config.frameSize()), config.pageSize(),
                config.numaNode());
            sock = XskSocket.open(ifindex, queue, mem, config.frameSize(), AfXdpControl.umemHeadroom(config), ring,
                config.afXdp().rxRingSize(), config.afXdp().bindMode(), config.afXdp().needWakeup(), null, true,
                new XskFeatures(AfXdpControl.multiBuffer(ifname, config), config.afXdp().txMetadata()));
            AfXdpControl.applyBusyPoll(sock.fd(), config);
            setup = XdpSetup.create(config, queue + 1, ifindex);
            return new XskResources(mem, 0, frameCount, sock, setup, null, Owner.PORT, null);
        } catch (RuntimeException e) {
            AfXdpControl.closeQuietly(setup, sock, mem);
            throw e;
        }
    }

    /** One queue's slice of a group's UMEM, with the group's map, program and attachment. */
    static XskResources inGroup(Mapping umem, long base, int frameCount, XskSocket socket, XdpSetup setup,
                                XdpAttachment attachment) {
        return new XskResources(umem, base, frameCount, socket, setup, attachment, Owner.GROUP, null);
    }

    /**
     * One consumer of a queue that several sockets share ({@link AfXdpSharedQueue}): the whole UMEM (a frame the
     * kernel took from the one fill ring may arrive at any consumer), the group's map, program and attachment.
     */
    static XskResources onSharedQueue(Mapping umem, int frameCount, XskSocket socket, XdpSetup setup,
                                      XdpAttachment attachment, QueueShare share) {
        return new XskResources(umem, 0, frameCount, socket, setup, attachment, Owner.GROUP, share);
    }

    /** The XSKMAP slot of this port's socket: its queue, or its consumer slot on a shared queue. */
    int xskKey() {
        return share == null ? socket.queue() : share.slot();
    }

    /** A socket and UMEM the daemon set up and passed. */
    static XskResources adopted(Mapping umem, int frameCount, XskSocket socket) {
        return new XskResources(umem, 0, frameCount, socket, null, null, Owner.DAEMON, null);
    }

    /**
     * A port that owns its program goes live last, in this order: fill ring filled (the port's constructor), socket
     * into the XSKMAP, program attached. Any other order lets the first frames meet an empty fill ring (rx_dropped)
     * or an empty map slot. Others' ports are live already: their attachment is returned (null for the daemon's).
     * On failure everything the port owns is closed.
     */
    XdpAttachment goLiveIfOwned(String ifname, int queue, PortConfig config) {
        if (owner != Owner.PORT) {
            return attachment;
        }
        try {
            AfXdpControl.setSocket(setup.xsks(), queue, socket.fd());
            return AfXdpControl.attach(setup.program(), ifname, config.afXdp().xdpMode());
        } catch (RuntimeException e) {
            AfXdpControl.closeQuietly(setup, socket, umem);
            throw e;
        }
    }

    /**
     * Closes what the port owns: with {@code attached} (what {@link #goLiveIfOwned} returned) and {@code lease} (the
     * daemon connection that keeps an adopted socket's grant, or null).
     */
    void close(XdpAttachment attached, AutoCloseable lease) {
        switch (owner) {
            case PORT -> {
                AfXdpControl.closeQuietly(attached, setup, socket);
                umem.close();
            }
            case DAEMON -> AfXdpControl.closeQuietly(socket, umem, lease); // our copies; the lease ends
            case GROUP -> AfXdpControl.closeQuietly(socket); // the group owns the rest
        }
    }
}
