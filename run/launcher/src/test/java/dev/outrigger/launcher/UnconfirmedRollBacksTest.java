package dev.outrigger.launcher;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.launch.Framework;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.updates.UnconfirmedUpdates;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Outcome;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Update;

/** Against a real Felix: what the launcher does with an update nobody confirmed by its deadline. */
public class UnconfirmedRollBacksTest {

    @Rule(order = 0)
    public TemporaryFolder folder = new TemporaryFolder();

    @Rule(order = 1)
    public TestFelix felix = new TestFelix();

    private UnconfirmedUpdates updates;
    private Bundle bundle;
    private Path previous;
    private Path current;

    @Before
    public void start() throws Exception {
        Framework framework = felix.init(folder.getRoot().toPath().resolve("cache"), Map.of());
        framework.start();
        updates = new UnconfirmedUpdates(folder.getRoot().toPath().resolve("unconfirmed"));
        // 1.1.0 runs, and 1.0.0 is kept to roll back to
        previous = TestBundles.jar(folder.getRoot().toPath().resolve("mqtt-1.0.0.jar"), "test.mqtt", "1.0.0");
        current = TestBundles.jar(folder.getRoot().toPath().resolve("mqtt-1.1.0.jar"), "test.mqtt", "1.1.0");
        try (InputStream in = Files.newInputStream(current)) {
            bundle = framework.getBundleContext().installBundle("file:/repository/mqtt.jar", in);
        }
        bundle.start();
    }

    @Test
    public void anUpdateNotConfirmedByItsDeadlineIsRolledBackAndItsOutcomeLeftToAnnounce() throws Exception {
        updates.add(update("1.1.0", Instant.now().plusSeconds(1)), previous);
        new UnconfirmedRollBacks(folder.getRoot().toPath().resolve("unconfirmed"), felix.context()).start();

        // started again, as it was: the framework stops, replaces and restarts it
        Await.until("the previous release back and active", Duration.ofSeconds(10),
                () -> bundle.getVersion().toString().equals("1.0.0") && bundle.getState() == Bundle.ACTIVE);
        Await.until("the outcome recorded", Duration.ofSeconds(5), () -> !updates.outcomes().isEmpty());
        Outcome outcome = updates.outcomes().get(0);
        assertEquals("rolledBack", outcome.event());
        assertEquals("1.1.0", outcome.version());
        assertEquals(List.of(), updates.waiting());
    }

    @Test
    public void anUpdateThatNeverHappenedIsDroppedWithoutTouchingTheBundle() throws Exception {
        // the process ended between recording the update and making it: 1.2.0 never came
        updates.add(update("1.2.0", Instant.now().plusMillis(200)), previous);
        new UnconfirmedRollBacks(folder.getRoot().toPath().resolve("unconfirmed"), felix.context()).start();

        Await.until("the update dropped", Duration.ofSeconds(10), () -> updates.waiting().isEmpty());
        assertEquals("1.1.0", bundle.getVersion().toString());
        assertEquals(List.of(), updates.outcomes());
    }

    @Test
    public void anUpdateOfAJarInDeployIsRolledBackThroughThatFileForFileInstallToTakeUp() throws Exception {
        Path deployed = folder.newFolder("deploy").toPath().resolve("mqtt.jar");
        Files.copy(current, deployed);
        updates.add(new Update("test.mqtt", bundle.getLocation(), "1.1.0", "1.0.0", Optional.of(deployed), true,
                Instant.now().plusMillis(200), "token"), previous);
        new UnconfirmedRollBacks(folder.getRoot().toPath().resolve("unconfirmed"), felix.context()).start();

        Await.until("the previous release back in deploy/", Duration.ofSeconds(10), () -> sameBytes(deployed, previous));
        Await.until("the outcome recorded", Duration.ofSeconds(5), () -> !updates.outcomes().isEmpty());
        assertEquals("rolledBack", updates.outcomes().get(0).event());
        // updating the bundle itself is FileInstall's, which would otherwise put the newer file back
        assertEquals("1.1.0", bundle.getVersion().toString());
        try (var left = Files.list(deployed.getParent())) {
            assertEquals("no temporary file left beside it", List.of(deployed), left.toList());
        }
    }

    private static boolean sameBytes(Path a, Path b) {
        try {
            return Files.mismatch(a, b) == -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Update update(String version, Instant deadline) {
        return new Update("test.mqtt", bundle.getLocation(), version, "1.0.0", Optional.empty(), true, deadline, "token");
    }
}
