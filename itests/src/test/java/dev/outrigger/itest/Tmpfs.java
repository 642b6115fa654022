package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.Assume;

/**
 * A tmpfs mounted over a folder for one test, to give it a small, full or noexec file system;
 * unmounted when closed. Mounting takes root, which CI has: elsewhere the test is skipped.
 */
final class Tmpfs implements AutoCloseable {

    private final Path at;

    private Tmpfs(Path at) {
        this.at = at;
    }

    /** Mounts a tmpfs with the given mount options (e.g. {@code size=16m}, {@code noexec}) over the folder. */
    static Tmpfs mount(Path at, String options) throws Exception {
        Assume.assumeTrue("mounting a tmpfs needs root", "root".equals(System.getProperty("user.name")));
        run("mount", "-t", "tmpfs", "-o", options, "tmpfs", at.toString());
        return new Tmpfs(at);
    }

    /** Lazily: a process still using it (the gateway of a test that failed) does not keep it mounted. */
    @Override
    public void close() throws Exception {
        run("umount", "--lazy", at.toString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", command) + ": " + out, 0, p.waitFor());
    }
}
