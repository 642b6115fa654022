package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The systemd unit shipped in systemd/outrigger.service, checked by systemd itself. (That the
 * runtime writes nothing beyond the unit's ReadWritePaths is checked where every bundle runs:
 * {@link QuickStartProcessIT}.)
 */
public class SystemdUnitIT {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theShippedUnitVerifiesCleanlyWithSystemd() throws Exception {
        SystemdUnit unit = new SystemdUnit(Distribution.HOME.toRealPath());
        assertEquals(List.of(Distribution.HOME.toRealPath().resolve("etc"), Distribution.HOME.toRealPath().resolve("deploy"),
                Distribution.HOME.toRealPath().resolve("data")), unit.writablePaths());
        Path file = folder.getRoot().toPath().resolve("outrigger.service");
        Files.writeString(file, unit.text);
        Process verify = new ProcessBuilder("systemd-analyze", "verify", file.toString()).redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!verify.waitFor(30, TimeUnit.SECONDS)) {
            verify.destroyForcibly();
            throw new AssertionError("systemd-analyze verify did not finish");
        }
        assertEquals("systemd-analyze verify: no warning, no error", "", output.strip());
        assertEquals(output, 0, verify.exitValue());
    }
}
