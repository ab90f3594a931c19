package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.backend.InterfaceQueues;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every receive queue of an interface, one AF_XDP socket and one {@link AfXdpPort} per queue, all on one UMEM
 * (XDP_SHARED_UMEM; each socket on another queue has its own fill and completion rings, af_xdp.rst). Each port owns
 * its slice of the UMEM and is driven by its own thread; one XSKMAP and one redirect program serve them all.
 */
public final class AfXdpQueues implements AutoCloseable {
    private final String ifname;
    private final PortConfig config;
    private final List<AfXdpPort> ports;
    private final long sliceBytes;
    private final Mapping umem;
    private final XdpSetup setup;
    private final XdpAttachment attachment;
    private boolean closed;

    private AfXdpQueues(String ifname, PortConfig config, List<AfXdpPort> ports, long sliceBytes, Mapping umem,
                        XdpSetup setup, XdpAttachment attachment) {
        this.setup = setup;
        this.ifname = ifname;
        this.config = config;
        this.ports = new ArrayList<>(ports);
        this.sliceBytes = sliceBytes;
        this.umem = umem;
        this.attachment = attachment;
    }

    /** The number of receive queues of {@code ifname} (see {@link InterfaceQueues}). */
    public static int rxQueues(String ifname) {
        return InterfaceQueues.rxQueues(ifname);
    }

    /** Opens a port on every receive queue of {@code ifname}, each with {@code config}'s rings and frame count. */
    public static AfXdpQueues open(String ifname, PortConfig config) {
        int queues = rxQueues(ifname);
        int ifindex = Libc.ifindex(ifname);
        int perQueue = Math.max(config.frameCount(), 2 * config.ringSize());
        long sliceBytes = FrameRegion.bytesFor(perQueue, config.frameSize());
        Mapping umem = null;
        XdpSetup setup = null;
        XdpAttachment attached = null;
        List<XskSocket> sockets = new ArrayList<>();
        List<AfXdpPort> ports = new ArrayList<>();
        try {
            umem = Mapping.anonymous(sliceBytes * queues, config.pageSize(), config.numaNode());
            setup = XdpSetup.create(config, queues, ifindex);
            boolean multiBuffer = AfXdpControl.multiBuffer(ifname, config); // the others share the first's choice
            for (int q = 0; q < queues; q++) {
                XskSocket s = XskSocket.open(ifindex, q, umem, config.frameSize(), AfXdpControl.umemHeadroom(config),
                    config.ringSize(), config.afXdp().rxRingSize(), config.afXdp().bindMode(),
                    config.afXdp().needWakeup(), sockets.isEmpty() ? null : sockets.get(0), true,
                    new XskFeatures(multiBuffer, config.afXdp().txMetadata()));
                sockets.add(s);
                AfXdpControl.applyBusyPoll(s.fd(), config);
            }
            attached = AfXdpControl.attach(setup.program(), ifname, config.afXdp().xdpMode());
            for (int q = 0; q < queues; q++) {
                // the port fills its fill ring before its socket enters the XSKMAP
                ports.add(AfXdpPort.openShared(ifname, q, config, XskResources.inGroup(umem, q * sliceBytes,
                    perQueue, sockets.get(q), setup, attached)));
                AfXdpControl.setSocket(setup.xsks(), q, sockets.get(q).fd());
            }
            return new AfXdpQueues(ifname, config, ports, sliceBytes, umem, setup, attached);
        } catch (RuntimeException e) {
            ports.forEach(AfXdpPort::close);
            for (int q = ports.size(); q < sockets.size(); q++) {
                sockets.get(q).close();
            }
            AfXdpControl.closeQuietly(attached, setup, umem);
            throw e;
        }
    }

    /** The ports, by queue. */
    public List<AfXdpPort> ports() {
        return java.util.Collections.unmodifiableList(ports);
    }

    /**
     * Replaces the socket of {@code queue} while the program stays attached: the old port is closed (its socket
     * leaves the XSKMAP first), a new socket is bound to the same queue on the same slice of the UMEM, its fill ring
     * is filled, and then it takes the XSKMAP slot (frames that arrive in between find the slot empty and pass to
     * the kernel stack: the redirect's XDP_PASS fallback). A new application after a crash gets its queue back this
     * way without the interface losing its program.
     */
    public AfXdpPort reopen(int queue) {
        if (closed) {
            throw new IllegalStateException("the queue group of " + ifname + " is closed");
        }
        Objects.checkIndex(queue, ports.size());
        ports.get(queue).close();
        XskSocket shareWith = null;
        for (int q = 0; q < ports.size() && shareWith == null; q++) {
            if (q != queue) {
                shareWith = ports.get(q).socket(); // the UMEM stays registered through the other sockets
            }
        }
        XskSocket s = XskSocket.open(Libc.ifindex(ifname), queue, umem, config.frameSize(),
            AfXdpControl.umemHeadroom(config), config.ringSize(), config.afXdp().rxRingSize(), config.afXdp().bindMode(),
            config.afXdp().needWakeup(), shareWith);
        AfXdpPort port;
        try {
            AfXdpControl.applyBusyPoll(s.fd(), config);
            int perQueue = Math.max(config.frameCount(), 2 * config.ringSize());
            port = AfXdpPort.openShared(ifname, queue, config, XskResources.inGroup(umem,
                queue * sliceBytes, perQueue, s, setup, attachment));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        AfXdpControl.setSocket(setup.xsks(), queue, s.fd());
        ports.set(queue, port);
        return port;
    }

    /** Closes every port, then the program, the map and the shared UMEM. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ports.forEach(AfXdpPort::close);
        AfXdpControl.closeQuietly(attachment, setup, umem);
    }
}
