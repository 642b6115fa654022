package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Prometheus' own checker, Debian's {@code promtool} (package prometheus). */
final class Promtool {

    private Promtool() {
    }

    /** Runs it with the input on stdin; fails the test with its output unless it succeeds. */
    static void check(String input, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(arguments));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command) + " finished", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + ":\n" + out, 0, p.exitValue());
    }
}
