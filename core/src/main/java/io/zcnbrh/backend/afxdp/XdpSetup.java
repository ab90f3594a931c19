package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.elf.BpfObject;
import io.zcnbrh.filter.FilterCounters;

/**
 * What the AF_XDP sockets of an interface stand on besides memory: the XSKMAP they go into and the XDP program
 * that redirects to it. Built from the port's configuration: a program of one's own from a BPF object file (its
 * XSKMAP is used), a compiled filter (with its verdict counters), or a factory (the plain redirect by default).
 */
record XdpSetup(BpfMap xsks, BpfProgram program, FilterCounters verdicts, BpfObject object) implements AutoCloseable {

    /** Creates the map and loads the program for {@code slots} queues. */
    static XdpSetup create(PortConfig config, int slots) {
        if (config.xdpObject() != null) {
            BpfObject obj = BpfObject.load(config.xdpObject());
            try {
                BpfMap xsks = obj.xskMap();
                if (xsks.maxEntries() < slots) {
                    throw new IllegalArgumentException(config.xdpObject() + ": XSKMAP has " + xsks.maxEntries()
                        + " entries; queue " + (slots - 1) + " needs at least " + slots);
                }
                BpfProgram p = config.xdpObjectProgram() == null ? obj.program() : obj.program(config.xdpObjectProgram());
                if (p.type() != ProgramType.XDP) {
                    throw new IllegalArgumentException(config.xdpObject() + ": program '" + p.name() + "' is "
                        + p.type() + ", not XDP");
                }
                return new XdpSetup(xsks, p, null, obj);
            } catch (RuntimeException e) {
                obj.close();
                throw e;
            }
        }
        BpfMap map = BpfMap.create(MapType.XSKMAP, 4, 4, Math.max(64, slots), "zcnbrh_xsks");
        FilterCounters verdicts = null;
        try {
            verdicts = config.filter() != null ? FilterCounters.create() : null;
            var insns = config.filter() != null ? config.filter().program(map, verdicts.map())
                : config.xdpProgram().build(map);
            BpfProgram prog = BpfProgram.load(ProgramType.XDP, insns, config.filter() != null ? "zcnbrh_filter"
                : "zcnbrh_xsk");
            return new XdpSetup(map, prog, verdicts, null);
        } catch (RuntimeException e) {
            AfXdpPort.closeQuietly(verdicts, map);
            throw e;
        }
    }

    @Override
    public void close() {
        if (object != null) {
            object.close();
        } else {
            AfXdpPort.closeQuietly(program, verdicts, xsks);
        }
    }
}
