package dev.outrigger.broker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import io.netty.handler.codec.mqtt.MqttProperties;

public class RetainedStoreTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void anUnreadableFileIsMovedAsideAndANewOneBegun() throws Exception {
        Path file = folder.getRoot().toPath().resolve("retained.mv.db");
        byte[] garbage = new byte[64 * 1024];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        try (RetainedStore store = RetainedStore.open(file)) {
            assertEquals(List.of(), store.load());
            store.put(Publication.of("gw/status", "online".getBytes(UTF_8), 1, true, new MqttProperties()));
        }
        assertArrayEquals("kept for a look, not deleted", garbage, Files.readAllBytes(file.resolveSibling("retained.mv.db.unreadable")));
        try (RetainedStore store = RetainedStore.open(file)) {
            List<Publication> loaded = store.load();
            assertEquals(1, loaded.size());
            assertEquals("online", new String(loaded.get(0).payload(), UTF_8));
        }
    }

    @Test
    public void aMessageWhoseExpiryRanOutWhileTheBrokerWasDownIsNotBroughtBack() throws Exception {
        Publication expired = new Publication("gw/position", new byte[] { 1 }, 1, true, new MqttProperties(), System.nanoTime() - 1);
        assertNull(RetainedStore.decode("gw/position", RetainedStore.encode(expired)));
        Publication lasting = new Publication("gw/position", new byte[] { 1 }, 0, true, new MqttProperties(), Long.MAX_VALUE);
        Publication back = RetainedStore.decode("gw/position", RetainedStore.encode(lasting));
        assertEquals(Long.MAX_VALUE, back.expiresNanos());
        assertEquals(0, back.qos());
        assertTrue(back.retain());
    }
}
