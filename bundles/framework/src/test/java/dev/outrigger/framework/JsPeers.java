package dev.outrigger.framework;

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
 * For tests whose peers are JavaScript programs (the official Meshtastic client, zwave-js): the npm
 * packages and scripts the build installs from the module's {@code src/test/js} into
 * {@code target/js-peers}, run with the machine's Node.js.
 */
public final class JsPeers {

    private static final Path DIR = Path.of("target", "js-peers");

    private JsPeers() {
    }

    /** Runs a script to its end and returns what it printed; fails with all it said if it fails or outlives the deadline. */
    public static List<String> run(Duration deadline, String script, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("js-peer", ".out");
        Path err = Files.createTempFile("js-peer", ".err");
        Process node = command(script, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(script + " ended within " + deadline, node.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(script + " failed, having seen " + Files.readString(out) + Files.readString(err), 0, node.exitValue());
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } finally {
            node.destroyForcibly();
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** Starts a script that serves until the test stops it (destroy, then wait); what it prints is dropped, its errors go to the test's. */
    public static Process start(String script, String... args) throws IOException {
        return command(script, args).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** The major version of the machine's Node.js, 0 without one: some peers need a recent one. */
    public static int nodeMajorVersion() throws InterruptedException {
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(node.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            node.waitFor();
            return version.matches("v[0-9]+\\..*") ? Integer.parseInt(version.substring(1, version.indexOf('.'))) : 0;
        } catch (IOException noNode) {
            return 0;
        }
    }

    private static ProcessBuilder command(String script, String... args) {
        assertTrue("the build installs the tests' JavaScript peers in " + DIR.toAbsolutePath() + " (npm ci: see the root pom.xml)",
                Files.isDirectory(DIR.resolve("node_modules")));
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(DIR.toFile());
    }
}
