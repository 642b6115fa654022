package dev.outrigger.framework.updates;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.framework.updates.UnconfirmedUpdates.Outcome;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Update;

public class UnconfirmedUpdatesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private UnconfirmedUpdates updates;
    private Path previousJar;
    private final Update update = new Update("dev.outrigger.mqtt", "file:/opt/outrigger/repository/mqtt.jar", "0.2.0", "0.1.0",
            Optional.empty(), true, Instant.parse("2026-12-01T15:00:00.123456Z"), "token-1");

    @Before
    public void setUp() throws Exception {
        updates = new UnconfirmedUpdates(folder.getRoot().toPath().resolve("unconfirmed"));
        previousJar = Files.write(folder.newFile("previous.jar").toPath(), new byte[] { 1, 2, 3 });
    }

    @Test
    public void anUpdateWaitsWithItsPreviousJarUntilItsOwnTokenIsHeard() throws Exception {
        assertEquals(List.of(), updates.waiting());
        updates.add(update, previousJar);
        assertEquals(List.of(update), updates.waiting());

        assertFalse("an earlier update's token", updates.confirm("dev.outrigger.mqtt", "token-0"));
        assertEquals(List.of(update), updates.waiting());
        assertTrue(updates.confirm("dev.outrigger.mqtt", "token-1"));
        assertEquals(List.of(), updates.waiting());
        assertTrue("the previous jar let go", isEmpty());
        assertFalse("once", updates.confirm("dev.outrigger.mqtt", "token-1"));
    }

    @Test
    public void aClaimedUpdateCannotBeConfirmedAndEndsAsAnOutcomeToAnnounce() throws Exception {
        Update inDeploy = new Update("dev.outrigger.remote", "reference:file:/opt/outrigger/deploy/remote.jar", "0.2.0",
                "0.1.0", Optional.of(Path.of("/opt/outrigger/deploy/remote.jar")), false, update.deadline(), "token-2");
        updates.add(inDeploy, previousJar);
        Path jar = updates.claim(inDeploy).orElseThrow();
        assertEquals("the previous jar, kept", 3, Files.size(jar));
        assertFalse("confirmed too late", updates.confirm("dev.outrigger.remote", "token-2"));
        assertEquals(Optional.empty(), updates.claim(inDeploy));
        assertEquals(List.of(), updates.waiting());

        Outcome outcome = new Outcome("dev.outrigger.remote", "0.2.0", "0.1.0", "rollBackFailed", "not confirmed", "no such bundle");
        updates.finish(outcome);
        assertEquals(List.of(outcome), updates.outcomes());
        updates.announced(outcome);
        assertTrue(isEmpty());
    }

    @Test
    public void aClaimLeftHalfWayByAStoppedProcessWaitsAgain() throws Exception {
        updates.add(update, previousJar);
        updates.claim(update).orElseThrow();
        updates.reopenClaims();
        assertEquals(List.of(update), updates.waiting());
    }

    @Test
    public void aNewerRequestEndsTheWait() throws Exception {
        updates.add(update, previousJar);
        updates.end("dev.outrigger.mqtt");
        assertEquals(List.of(), updates.waiting());
        assertTrue(isEmpty());
    }

    @Test
    public void aNameCannotReachOutsideTheFolder() throws Exception {
        Update odd = new Update("../../etc/passwd", "file:/x.jar", "1", "0", Optional.empty(), true, update.deadline(), "t");
        updates.add(odd, previousJar);
        try (var files = Files.list(folder.getRoot().toPath().resolve("unconfirmed"))) {
            assertEquals(2, files.count());
        }
        assertEquals(List.of(odd), updates.waiting());
    }

    private boolean isEmpty() throws Exception {
        try (var files = Files.list(folder.getRoot().toPath().resolve("unconfirmed"))) {
            return files.findAny().isEmpty();
        }
    }
}
