package io.zcnbrh.zcnbrhd;

import io.zcnbrh.PortConfig;
import io.zcnbrh.daemon.Protocol;

import java.util.Map;

/** What a client asks zcnbrhd for; {@link #problem()} says what is wrong with it before any grant is looked at. */
record Request(String ifname, int queue, int ring, int frames, int frameSize, String filter, String problem) {
    static Request parse(String line) {
        Map<String, String> r = Protocol.parse(line);
        String ifname = r.getOrDefault("ifname", "");
        try {
            int queue = Integer.parseInt(r.getOrDefault("queue", "0"));
            int ring = Integer.parseInt(r.getOrDefault("ring", String.valueOf(PortConfig.DEFAULT_RING_SIZE)));
            int frames = Integer.parseInt(r.getOrDefault("frames", String.valueOf(2 * ring)));
            int frameSize = Integer.parseInt(r.getOrDefault("frame_size", "2048"));
            String problem = null;
            if (!ifname.matches("[A-Za-z0-9_.:-]{1,15}") || ifname.equals(".") || ifname.equals("..")) {
                problem = "'" + Protocol.printable(ifname) + "' is not an interface name (1 to 15 of A-Z a-z 0-9 _ . : -)";
            } else if (queue < 0 || queue >= DaemonInterface.MAX_QUEUES) {
                problem = "a request names an interface and a queue from 0 to " + (DaemonInterface.MAX_QUEUES - 1);
            } else if (ring < 64 || ring > Zcnbrhd.MAX_RING || Integer.bitCount(ring) != 1) {
                problem = "rings are a power of two from 64 to " + Zcnbrhd.MAX_RING + ", not " + ring;
            } else if (frames < 2 * ring || frames > Grant.MAX_FRAMES) {
                problem = "a UMEM has 2 x ring to " + Grant.MAX_FRAMES + " frames, not " + frames;
            } else if (frameSize != 2048 && frameSize != 4096) {
                problem = "frames are 2048 or 4096 bytes, not " + frameSize;
            }
            return new Request(ifname, queue, ring, frames, frameSize, r.get("filter"), problem);
        } catch (NumberFormatException e) {
            return new Request(ifname, 0, 0, 0, 0, null, "a number in the request is not one: " + e.getMessage());
        }
    }
}
