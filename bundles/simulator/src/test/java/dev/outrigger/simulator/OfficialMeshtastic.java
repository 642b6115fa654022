package dev.outrigger.simulator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official Meshtastic JavaScript client and protobuf definitions (npm packages the build
 * installs under {@code target/official-meshtastic}, from {@code src/test/js}), run with the
 * machine's Node.js: the peer the simulator and the project's .proto subset are held to.
 */
final class OfficialMeshtastic {

    private static final Path DIR = Path.of("target", "official-meshtastic");

    private OfficialMeshtastic() {
    }

    /** Runs one of the scripts to its end (it has a deadline of its own) and returns what it printed. */
    static List<String> run(Duration deadline, String script, String... args) throws IOException, InterruptedException {
        assertTrue("the build installs the official client in " + DIR.toAbsolutePath() + " (npm ci, see pom.xml)",
                Files.isDirectory(DIR.resolve("node_modules")));
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("official-meshtastic", ".out");
        Path err = Files.createTempFile("official-meshtastic", ".err");
        Process node = new ProcessBuilder(command).directory(DIR.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        try {
            assertTrue(script + " ended within " + deadline, node.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(script + " failed: " + Files.readString(err), 0, node.exitValue());
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } finally {
            node.destroyForcibly();
            Files.delete(out);
            Files.delete(err);
        }
    }
}
