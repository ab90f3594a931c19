/**
 * Z-CNBRH: zero-copy packet I/O over the Linux kernel's rings. Exported: the API ({@code io.zcnbrh}: Zcnbrh, Port,
 * Packet, PortConfig, the Backend SPI), its value types ({@code config}, {@code error}, {@code flow}), eBPF
 * ({@code bpf} and the packages built on it), tcpdump filters ({@code filter}), pcap files ({@code pcap}) and the UDP socket over a port ({@code udp}).
 * Not exported: the backends and the port machinery, system calls, rings, memory, NUMA, frame ownership and the
 * zcnbrhd client; the daemon's server, the test kit, the CLI and the benchmarks are modules of their own.
 * docs/ARCHITECTURE.md draws the layers.
 */
module io.zcnbrh {
    requires jdk.jfr;

    exports io.zcnbrh;
    exports io.zcnbrh.config;
    exports io.zcnbrh.error;
    exports io.zcnbrh.flow;
    exports io.zcnbrh.bpf;
    exports io.zcnbrh.bpf.asm;
    exports io.zcnbrh.bpf.elf;
    exports io.zcnbrh.bpf.interp;
    exports io.zcnbrh.bpf.link;
    exports io.zcnbrh.bpf.programs;
    exports io.zcnbrh.filter;
    exports io.zcnbrh.pcap;
    exports io.zcnbrh.udp;

    uses io.zcnbrh.Backend;

    provides io.zcnbrh.Backend with
        io.zcnbrh.backend.shm.ShmBackend,
        io.zcnbrh.backend.afxdp.AfXdpBackend,
        io.zcnbrh.backend.iouring.IoUringBackend,
        io.zcnbrh.backend.afpacket.AfPacketBackend,
        io.zcnbrh.backend.socket.SocketBackend,
        io.zcnbrh.daemon.DaemonBackend,
        io.zcnbrh.backend.AutoBackend;
}
