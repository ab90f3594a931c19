package io.zcnbrh.bench;

import io.zcnbrh.netlab.VethPair;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C peer of the AF_XDP benchmarks (bench/peers/xsk_peer.c on libxdp's xsk API, built by scripts/c-peer.sh):
 * run as a child process pinned like our receiver, on the same veth pair, so each figure of ours has a C figure
 * from the same bed beside it.
 */
final class CPeer {
    private CPeer() {
    }

    /** Builds the libxdp peer if needed; its path. */
    static Path build() throws IOException, InterruptedException {
        return build("xsk_peer");
    }

    /** Builds the peer {@code name} (xsk_peer or udp_pingpong, see scripts/c-peer.sh) if needed; its path. */
    static Path build(String name) throws IOException, InterruptedException {
        String home = System.getProperty("zcnbrh.home", ".");
        Process p = new ProcessBuilder("bash", Path.of(home, "scripts", "c-peer.sh").toString(), name)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0 || out.isEmpty()) {
            throw new IllegalStateException("building the C peer failed (scripts/c-peer.sh exit " + p.exitValue()
                + "): it needs gcc" + (name.equals("xsk_peer") ? " and libxdp-dev" : ""));
        }
        return Path.of(out);
    }

    /**
     * Runs {@code mode} (rx, tx, fwd) on the outer end's queue 0 with rings of {@code ring} and {@code frames} UMEM
     * frames, pinned to the placement's CPU; calls {@link AfXdpBench.Placement#listening} once it is live.
     */
    static AfXdpBench.Run run(Path binary, String mode, VethPair veth, int ring, int frames, double seconds,
                              double warmup, AfXdpBench.Placement at, byte[] frame) throws IOException,
        InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (at.cpu() >= 0) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(at.cpu())));
        }
        cmd.addAll(List.of(binary.toString(), mode, veth.outer, "0", Integer.toString(ring),
            Integer.toString(frames), Double.toString(warmup), Double.toString(seconds)));
        if (frame != null) {
            cmd.add(java.util.HexFormat.of().formatHex(frame));
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8))) {
            String line = out.readLine();
            if (!"ready".equals(line)) {
                throw new IllegalStateException("the C peer did not start (" + line + "; exit "
                    + (p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : "none") + ")");
            }
            at.listening(veth);
            String result = out.readLine();
            if (!p.waitFor(30, TimeUnit.SECONDS) || result == null || !result.startsWith("result ")) {
                throw new IllegalStateException("the C peer ended without a result: " + result);
            }
            long packets = 0;
            double secs = 0;
            long cpu = 0;
            for (String kv : result.substring(7).split(" ")) {
                String[] f = kv.split("=");
                switch (f[0]) {
                    case "packets" -> packets = Long.parseLong(f[1]);
                    case "seconds" -> secs = Double.parseDouble(f[1]);
                    case "cpu_ns" -> cpu = Long.parseLong(f[1]);
                    default -> { }
                }
            }
            return new AfXdpBench.Run("c-libxdp-" + mode, secs <= 0 ? 0 : packets / secs, 0,
                packets == 0 ? Double.NaN : (double) cpu / packets, secs <= 0 ? Double.NaN : 100.0 * cpu / (secs * 1e9));
        } finally {
            p.destroy();
        }
    }
}
