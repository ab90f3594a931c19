package io.zcnbrh.fuzz;

import org.junit.jupiter.api.Tag;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.zcnbrh.pcap.CaptureWriter;
import io.zcnbrh.pcap.PcapFormatException;
import io.zcnbrh.pcap.PcapReader;
import io.zcnbrh.pcap.PcapWriter;
import io.zcnbrh.pcap.PcapngWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Capture files are untrusted input ({@code zcnbrh filter match -r FILE}): any bytes give frames or a
 * {@link PcapFormatException} that names the file, never another exception. And what the writers write, the reader
 * reads back exactly. Regression inputs: src/test/resources/io/zcnbrh/fuzz/PcapFuzzTestInputs/.
 */
@Tag("unit")
class PcapFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void anyBytesGiveFramesOrAClearError(byte[] bytes) {
        try {
            List<PcapReader.Frame> frames = PcapReader.parse(bytes, "fuzz.pcap");
            int n = 0;
            for (PcapReader.Frame f : frames) {
                assertEquals(++n, f.number());
                assertTrue(f.data().length <= 256 * 1024, "a frame larger than any snap length");
            }
        } catch (PcapFormatException e) {
            assertTrue(e.getMessage().startsWith("fuzz.pcap"), e.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void classicPcapRefusesStampsItCannotHold() throws Exception {
        Path file = Files.createTempFile("zcnbrh-fuzz", ".pcap");
        try (PcapWriter w = PcapWriter.create(file, 100)) {
            String m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> w.write(0x100000000L * 1_000_000_000L, new byte[60])).getMessage();
            assertTrue(m.contains("write pcapng instead"), m);
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> w.write(-1, new byte[60]));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void whatIsWrittenIsReadBackExactly(FuzzedDataProvider data) throws Exception {
        boolean ng = data.consumeBoolean();
        int snap = data.consumeInt(64, 9000);
        List<byte[]> frames = new ArrayList<>();
        List<Long> stamps = new ArrayList<>();
        int count = data.consumeInt(0, 8);
        for (int i = 0; i < count; i++) {
            // classic pcap holds seconds in 32 bits (the writer refuses more, tested below); pcapng 64-bit ticks
            stamps.add(data.consumeLong(0, ng ? Long.MAX_VALUE : 0xffffffffL * 1_000_000_000L + 999_999_999L));
            frames.add(data.consumeBytes(data.consumeInt(0, 2000)));
        }
        Path file = Files.createTempFile("zcnbrh-fuzz", ng ? ".pcapng" : ".pcap");
        try {
            try (CaptureWriter w = ng ? PcapngWriter.create(file, snap, "fuzz0") : PcapWriter.create(file, snap)) {
                for (int i = 0; i < count; i++) {
                    w.write(stamps.get(i), frames.get(i), 0, Math.min(snap, frames.get(i).length), frames.get(i).length);
                }
            }
            List<PcapReader.Frame> back = PcapReader.read(file);
            assertEquals(count, back.size());
            for (int i = 0; i < count; i++) {
                byte[] want = Arrays.copyOf(frames.get(i), Math.min(snap, frames.get(i).length));
                assertArrayEquals(want, back.get(i).data(), "frame " + (i + 1));
                assertEquals(frames.get(i).length, back.get(i).wireLength());
                assertEquals(stamps.get(i), back.get(i).epochNanos(), "nanosecond stamps");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
