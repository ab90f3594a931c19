package io.zcnbrh.app;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("kernel")
class BpfCommandTest {
    @Test
    void selftestJsonEndsWithTheSummaryObject() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run("bpf", "selftest", "--json");
        } finally {
            System.setOut(old);
        }
        String[] lines = buf.toString(StandardCharsets.UTF_8).strip().split("\n");
        String last = lines[lines.length - 1];
        Matcher m = Pattern.compile("\\{\"cases\":(\\d+),\"agree\":(\\d+),\"disagree\":(\\d+),").matcher(last);
        assertTrue(m.find(), last);
        assertTrue(Integer.parseInt(m.group(1)) >= 50, last);
        assertEquals("0", m.group(3), String.join("\n", lines));
        assertEquals(m.group(1), m.group(2));
        assertEquals(0, rc);
        assertEquals(Integer.parseInt(m.group(1)) + 1, lines.length, "one line per case, then the summary");
    }
}
