package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.XdpProgram;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.link.XdpAttachment;
import io.zcnbrh.bpf.programs.XskSpreadProgram;
import io.zcnbrh.bpf.programs.XskSpreadProgram.Spread;
import io.zcnbrh.flow.AuditReport;
import io.zcnbrh.flow.FramePlace;
import io.zcnbrh.flow.internal.FrameOwnership;
import io.zcnbrh.mem.FrameRegion;
import io.zcnbrh.mem.Mapping;
import io.zcnbrh.sys.Libc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Several consumers of one receive queue, each an {@link AfXdpPort} with its own AF_XDP socket and RX ring, driven
 * by its own thread: the way to spread a single-queue device's traffic over cores (the kernel selftests'
 * SHARED_UMEM case). The kernel gives sockets that share a UMEM on the same queue one buffer pool, so one fill ring
 * and one completion ring (af_xdp.rst, XDP_SHARED_UMEM); here they also share one ownership table, since a frame
 * one consumer put on the fill ring may arrive at any other. The XDP program ({@link XskSpreadProgram}) picks the
 * consumer per frame: by flow (a flow stays on one consumer, in order) or round robin.
 *
 * <p>Consumers receive and release; they do not transmit: sent frames come back on the one completion ring, which
 * no consumer's thread could sort by sender without a lock per packet. Open with the library's redirect program
 * (a filter or a program of one's own is refused, as is receive metadata).
 */
public final class AfXdpSharedQueue implements AutoCloseable {
    private final String ifname;
    private final int queue;
    private final List<AfXdpPort> ports;
    private final FrameOwnership table;
    private final SharedFillRing fill;
    private final BpfMap counter;
    private final Mapping umem;
    private final XdpSetup setup;
    private final XdpAttachment attachment;
    private boolean closed;

    private AfXdpSharedQueue(String ifname, int queue, List<AfXdpPort> ports, FrameOwnership table,
                             SharedFillRing fill, BpfMap counter, Mapping umem, XdpSetup setup,
                             XdpAttachment attachment) {
        this.ifname = ifname;
        this.queue = queue;
        this.ports = List.copyOf(ports);
        this.table = table;
        this.fill = fill;
        this.counter = counter;
        this.umem = umem;
        this.setup = setup;
        this.attachment = attachment;
    }

    /**
     * Opens {@code consumers} ports on queue {@code queue} of {@code ifname}, each with {@code config}'s ring size
     * in receive frames (all on one UMEM, the one fill ring twice their total), frames spread by {@code spread}.
     */
    public static AfXdpSharedQueue open(String ifname, int queue, int consumers, Spread spread, PortConfig config) {
        if (consumers < 2 || consumers > 64) {
            throw new IllegalArgumentException("a shared queue has 2 to 64 consumers, asked for " + consumers
                + (consumers == 1 ? ": for one, open afxdp:" + ifname + "@" + queue : ""));
        }
        if (!(config.program() instanceof XdpProgram.Redirect)) {
            throw new IllegalArgumentException("the consumers of a shared queue are fed by the library's spread "
                + "program; " + config.program() + " cannot be combined with it: filter in the consumers "
                + "(SoftFilter), or spread in a program of your own over a port per queue");
        }
        if (config.afXdp().rxMetadata()) {
            throw new IllegalArgumentException("receive metadata comes with the library's single-socket redirect "
                + "program; a shared queue's spread program does not write it: leave AfXdpOptions.withRxMetadata off");
        }
        int ifindex = Libc.ifindex(ifname);
        int perConsumer = config.ringSize();
        int total = perConsumer * consumers;
        // the owner socket's ring size, a power of two; its fill ring gets twice it: room for every frame twice
        int ownerRing = Integer.highestOneBit(total * 2 - 1);
        Mapping mem = null;
        BpfMap xsks = null;
        BpfMap rr = null;
        XdpSetup spreadSetup = null;
        SharedFillRing sharedFill = null;
        XdpAttachment attached = null;
        List<XskSocket> sockets = new ArrayList<>();
        List<AfXdpPort> opened = new ArrayList<>();
        try {
            mem = Mapping.anonymous(FrameRegion.bytesFor(total, config.frameSize()), config.pageSize(),
                config.numaNode());
            xsks = BpfMap.create(MapType.XSKMAP, 4, 4, consumers, "zcnbrh_xsks");
            rr = BpfMap.create(MapType.ARRAY, 4, 4, 1, "zcnbrh_spread");
            spreadSetup = new XdpSetup(xsks, BpfProgram.load(ProgramType.XDP,
                XskSpreadProgram.instructions(xsks, rr, queue, consumers, spread), "zcnbrh_spread"), null, null);
            xsks = null; // the setup owns it now
            boolean multiBuffer = AfXdpControl.multiBuffer(ifname, config);
            for (int i = 0; i < consumers; i++) {
                // the first socket registers the UMEM and has the fill and completion rings; the others bind to the
                // same queue with XDP_SHARED_UMEM and take the first's buffer pool (xsk_bind)
                XskSocket s = XskSocket.open(ifindex, queue, mem, config.frameSize(), AfXdpControl.umemHeadroom(config),
                    ownerRing, config.afXdp().rxRingSize(), config.afXdp().bindMode(), config.afXdp().needWakeup(),
                    sockets.isEmpty() ? null : sockets.get(0), false, new XskFeatures(multiBuffer, false));
                sockets.add(s);
                AfXdpControl.applyBusyPoll(s.fd(), config);
            }
            sharedFill = new SharedFillRing(sockets.get(0));
            FrameOwnership table = new FrameOwnership(total, FramePlace.FREE, config.ownershipMode());
            // attached before the consumers fill: until a socket is in its slot, its frames go to the kernel stack
            attached = AfXdpControl.attach(spreadSetup.program(), ifname, config.afXdp().xdpMode());
            for (int i = 0; i < consumers; i++) {
                QueueShare share = new QueueShare(sharedFill, table.member(), i, consumers, i * perConsumer,
                    perConsumer, spread == Spread.FLOW ? "by flow" : "round robin");
                opened.add(AfXdpPort.openShared(ifname, queue, config, XskResources.onSharedQueue(mem, total,
                    sockets.get(i), spreadSetup, attached, share)));
            }
            for (int i = 0; i < consumers; i++) {
                AfXdpControl.setSocket(spreadSetup.xsks(), i, sockets.get(i).fd());
            }
            return new AfXdpSharedQueue(ifname, queue, opened, table, sharedFill, rr, mem, spreadSetup, attached);
        } catch (RuntimeException e) {
            opened.forEach(AfXdpPort::close);
            for (int i = opened.size(); i < sockets.size(); i++) {
                sockets.get(i).close();
            }
            AfXdpControl.closeQuietly(attached, sharedFill, spreadSetup, xsks, rr, mem);
            throw e;
        }
    }

    /** The consumers, by XSKMAP slot; each is used from one thread. */
    public List<AfXdpPort> ports() {
        return Collections.unmodifiableList(ports);
    }

    /** Conservation over every frame of the queue (exact while the consumers' threads are quiet). */
    public AuditReport audit() {
        return table.audit();
    }

    /** The interface and queue, for messages. */
    @Override
    public String toString() {
        return "afxdp:" + ifname + "@" + queue + " shared by " + ports.size() + " consumers";
    }

    /** Closes every consumer (each leaves the XSKMAP first), then the program, the maps and the UMEM. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ports.forEach(AfXdpPort::close);
        AfXdpControl.closeQuietly(attachment, fill, setup, counter, umem);
    }
}
