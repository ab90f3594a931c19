package io.zcnbrh.backend.iouring;

import io.zcnbrh.Counter;
import io.zcnbrh.Packet;
import io.zcnbrh.Port;
import io.zcnbrh.PortConfig;
import io.zcnbrh.Zcnbrh;
import io.zcnbrh.flow.FramePlace;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A UDP io_uring port copies small datagrams (SEND, one completion) and sends large ones zero-copy (SEND_ZC, a
 * result and then a notification): both kinds arrive whole and in order, and every frame comes back, over many
 * more sends than the port has transmit frames (a frame kept by a miscounted completion would run the pool dry).
 */
@Tag("unit")
class IoUringSendKindsTest {
    @Test
    void smallAndLargeDatagramsArriveWholeAndEveryFrameComesBack() throws Exception {
        try (DatagramChannel peer = DatagramChannel.open()) {
            peer.bind(new InetSocketAddress("127.0.0.1", 0));
            peer.configureBlocking(true);
            int peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
            String spec = "iouring:udp:127.0.0.1:0->127.0.0.1:" + peerPort;
            int sends = 600; // the port has 128 frames: each must come back several times
            try (Port port = Zcnbrh.open(spec, PortConfig.builder().ringSize(64).frameCount(128).build())) {
                assertTrue(port.toString().contains("SEND_ZC (zero-copy) for datagrams of "
                    + IoUringPort.ZERO_COPY_MIN_BYTES), port.toString());
                ByteBuffer in = ByteBuffer.allocate(4096);
                for (int i = 0; i < sends; i++) {
                    int length = i % 2 == 0 ? 64 : IoUringPort.ZERO_COPY_MIN_BYTES + 300 + i % 7;
                    Packet p = claim(port);
                    p.segment().set(JAVA_INT, 0, i);
                    for (int b = 4; b < length; b++) {
                        p.segment().set(JAVA_BYTE, b, (byte) (i + b));
                    }
                    assertTrue(port.transmit(p, length));
                    port.flush();
                    in.clear();
                    peer.receive(in);
                    in.flip();
                    assertEquals(length, in.remaining(), "datagram " + i + " whole");
                    assertEquals(i, in.order(java.nio.ByteOrder.nativeOrder()).getInt(0), "in order");
                    for (int b = 4; b < length; b++) {
                        if (in.get(b) != (byte) (i + b)) {
                            throw new AssertionError("datagram " + i + " byte " + b + " differs");
                        }
                    }
                }
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (port.audit().byPlace().getOrDefault(FramePlace.TX, 0) > 0 && System.nanoTime() < deadline) {
                    port.poll(q -> { }, 16); // reaps the last completions
                    Thread.onSpinWait();
                }
                assertEquals(0, port.audit().byPlace().getOrDefault(FramePlace.TX, 0), port.audit().toString());
                assertEquals(sends, port.counters().get(Counter.PACKETS_TX), "counted at their completions");
                assertTrue(port.audit().ok(), port.audit().toString());
            }
        }
    }

    private static Packet claim(Port port) {
        for (int tries = 0; tries < 1_000_000; tries++) {
            Packet p = port.claim();
            if (p != null) {
                return p;
            }
            port.poll(q -> { }, 16);
        }
        Packet p = port.claim();
        assertNotNull(p, "a transmit frame came back: " + port.audit());
        return p;
    }
}
