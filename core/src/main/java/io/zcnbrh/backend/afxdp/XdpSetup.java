package io.zcnbrh.backend.afxdp;

import io.zcnbrh.PortConfig;
import io.zcnbrh.XdpProgram;
import io.zcnbrh.bpf.BpfMap;
import io.zcnbrh.bpf.BpfProgram;
import io.zcnbrh.bpf.MapType;
import io.zcnbrh.bpf.ProgramType;
import io.zcnbrh.bpf.elf.BpfObject;
import io.zcnbrh.bpf.programs.XdpProgramFactory;
import io.zcnbrh.bpf.programs.XskMetadataProgram;
import io.zcnbrh.filter.FilterCounters;

import java.util.function.Function;

/**
 * What the AF_XDP sockets of an interface stand on besides memory: the XSKMAP they go into and the XDP program
 * that redirects to it. Built from the port's configuration: a program of one's own from a BPF object file (its
 * XSKMAP is used), a compiled filter (with its verdict counters), a factory, or the plain redirect (default).
 */
record XdpSetup(BpfMap xsks, BpfProgram program, FilterCounters verdicts, BpfObject object) implements AutoCloseable {

    /** Creates the map and loads the program for {@code slots} queues of interface {@code ifindex}. */
    static XdpSetup create(PortConfig config, int slots, int ifindex) {
        if (config.afXdp().rxMetadata()) {
            if (!(config.program() instanceof XdpProgram.Redirect)) {
                throw new IllegalArgumentException("the device's receive metadata comes with the library's redirect "
                    + "program; with " + config.program() + " write it in the program itself (bpf_xdp_metadata_rx_hash"
                    + ", ...), or leave AfXdpOptions.withRxMetadata off");
            }
            // bound to the device: its metadata kfuncs (xdp-rx-metadata.rst) resolve to the driver's own
            return withMap(slots, map -> new XdpSetup(map, BpfProgram.loadDeviceBound(
                XskMetadataProgram.instructions(map), "zcnbrh_xsk_meta", ifindex), null, null));
        }
        return switch (config.program()) {
            case XdpProgram.ObjectFile o -> fromObject(o, slots);
            case XdpProgram.Filtered f -> withMap(slots, map -> {
                FilterCounters verdicts = FilterCounters.create();
                try {
                    return new XdpSetup(map, BpfProgram.load(ProgramType.XDP, f.filter().program(map, verdicts.map()),
                        "zcnbrh_filter"), verdicts, null);
                } catch (RuntimeException e) {
                    verdicts.close();
                    throw e;
                }
            });
            case XdpProgram.Custom c -> withMap(slots, map -> new XdpSetup(map,
                BpfProgram.load(ProgramType.XDP, c.factory().build(map), "zcnbrh_xsk"), null, null));
            case XdpProgram.Redirect r -> withMap(slots, map -> new XdpSetup(map,
                BpfProgram.load(ProgramType.XDP, XdpProgramFactory.REDIRECT.build(map), "zcnbrh_xsk"), null, null));
        };
    }

    /** The library's XSKMAP for {@code slots} queues, handed to {@code build}; closed again when build fails. */
    private static XdpSetup withMap(int slots, Function<BpfMap, XdpSetup> build) {
        BpfMap map = BpfMap.create(MapType.XSKMAP, 4, 4, Math.max(64, slots), "zcnbrh_xsks");
        try {
            return build.apply(map);
        } catch (RuntimeException e) {
            map.close();
            throw e;
        }
    }

    /** A program of one's own from an object file, with the object's XSKMAP. */
    private static XdpSetup fromObject(XdpProgram.ObjectFile o, int slots) {
        BpfObject obj = BpfObject.load(o.file());
        try {
            BpfMap xsks = obj.xskMap();
            if (xsks.maxEntries() < slots) {
                throw new IllegalArgumentException(o.file() + ": XSKMAP has " + xsks.maxEntries()
                    + " entries; queue " + (slots - 1) + " needs at least " + slots);
            }
            BpfProgram p = o.program() == null ? obj.program() : obj.program(o.program());
            if (p.type() != ProgramType.XDP) {
                throw new IllegalArgumentException(o.file() + ": program '" + p.name() + "' is " + p.type()
                    + ", not XDP");
            }
            return new XdpSetup(xsks, p, null, obj);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (object != null) {
            object.close();
        } else {
            AfXdpControl.closeQuietly(program, verdicts, xsks);
        }
    }
}
