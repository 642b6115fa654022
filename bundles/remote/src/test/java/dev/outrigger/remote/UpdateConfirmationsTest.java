package dev.outrigger.remote;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.updates.UnconfirmedUpdates;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Update;

public class UpdateConfirmationsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final List<Map<String, Object>> published = new ArrayList<>();

    /**
     * An update is written down before the jar is replaced, while the old release still runs and
     * is connected: the old release hearing itself would confirm a new one that may be deaf.
     */
    @Test
    public void onlyTheReleaseMadeAfterTheUpdateAnnouncesAndConfirmsIt() throws Exception {
        UnconfirmedUpdates updates = new UnconfirmedUpdates(folder.newFolder("unconfirmed").toPath());
        UpdateConfirmations old = confirmations(updates);
        Path previousJar = Files.writeString(folder.newFile("previous.jar").toPath(), "jar");
        updates.add(new Update("dev.outrigger.mqtt", "file:mqtt.jar", "0.1.2.deaf", "0.1.1", Optional.empty(), true,
                Instant.now().plusSeconds(60), "the-token"), previousJar);

        old.announce();
        assertEquals("the old release announces nothing of the update made under it", List.of(), published);

        UpdateConfirmations fresh = confirmations(updates);
        fresh.announce();
        assertEquals(1, published.size());
        assertEquals("the-token", published.get(0).get("confirm"));
        byte[] heard = Json.bytes(published.get(0));

        old.heard(heard);
        assertEquals("heard by the old release, it proves nothing", 1, updates.waiting().size());
        fresh.heard(heard);
        assertTrue("heard by the new release, it stands", updates.waiting().isEmpty());
    }

    private UpdateConfirmations confirmations(UnconfirmedUpdates updates) {
        return new UpdateConfirmations(updates, event -> {
            published.add(event);
            return CompletableFuture.completedFuture(null);
        }, () -> true, false);
    }
}
