package dev.outrigger.broker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

import dev.outrigger.framework.Await;

public class BrokerStoreTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void anUnreadableFileIsMovedAsideAndANewOneBegun() throws Exception {
        Path file = folder.getRoot().toPath().resolve("retained.mv.db");
        byte[] garbage = new byte[64 * 1024];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        try (BrokerStore store = BrokerStore.open(file)) {
            assertEquals(List.of(), store.retained());
            store.put(Publication.of("gw/status", "online".getBytes(UTF_8), 1, true, new MqttProperties()));
        }
        try (var kept = Files.list(folder.getRoot().toPath())) {
            Path aside = kept.filter(f -> f.getFileName().toString().startsWith("retained.mv.db.damaged-")).findFirst().orElseThrow();
            assertArrayEquals("kept for a look, not deleted", garbage, Files.readAllBytes(aside));
        }
        try (BrokerStore store = BrokerStore.open(file)) {
            List<Publication> loaded = store.retained();
            assertEquals(1, loaded.size());
            assertEquals("online", new String(loaded.get(0).payload(), UTF_8));
        }
    }

    /**
     * A real full disk (a tmpfs, mounted as root only: CI runs as root): the store fails without
     * an exception reaching the broker (one would close the publishing client), and once there is
     * room again it is written anew with what the broker holds.
     */
    @Test
    public void aFullDiskClosesTheStoreQuietlyAndItIsWrittenAnewOnceThereIsRoom() throws Exception {
        Assume.assumeTrue("mounting a tmpfs needs root", "root".equals(System.getProperty("user.name")));
        Path disk = folder.newFolder("disk").toPath();
        mount("mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", disk.toString());
        try {
            // twenty topics updated over and over, as sensors do: little to hold, much to write
            Map<String, Publication> retained = new HashMap<>();
            try (BrokerStore store = BrokerStore.open(disk.resolve("broker.mv.db"))) {
                Path filler = Files.write(disk.resolve("filler"), new byte[400 * 1024]);
                byte[] payload = new byte[2048];
                int[] updates = { 0 };
                Await.until("the store closed by the full disk", Duration.ofSeconds(20), () -> {
                    Publication p = Publication.of("home/sensor" + updates[0]++ % 20, payload, 1, true, new MqttProperties());
                    retained.put(p.topic(), p);
                    store.put(p);
                    return store.broken();
                });
                store.put(Publication.of("home/later", payload, 1, true, new MqttProperties()));

                Files.delete(filler);
                store.rewrite(retained.values(), List.of());
                assertFalse("written anew", store.broken());
            }
            try (BrokerStore store = BrokerStore.open(disk.resolve("broker.mv.db"))) {
                assertEquals("the broker's retained messages, every one", retained.keySet(),
                        store.retained().stream().map(Publication::topic).collect(Collectors.toSet()));
            }
        } finally {
            mount("umount", disk.toString());
        }
    }

    private static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(String.join(" ", command) + ": " + out, 0, p.waitFor());
    }

    @Test
    public void aMessageWhoseExpiryRanOutWhileTheBrokerWasDownIsNotBroughtBack() throws Exception {
        Publication expired = new Publication("gw/position", new byte[] { 1 }, 1, true, new MqttProperties(), System.nanoTime() - 1);
        assertNull(StoredForm.retained("gw/position", StoredForm.retained(expired)));
        Publication lasting = new Publication("gw/position", new byte[] { 1 }, 0, true, new MqttProperties(), Long.MAX_VALUE);
        Publication back = StoredForm.retained("gw/position", StoredForm.retained(lasting));
        assertEquals(Long.MAX_VALUE, back.expiresNanos());
        assertEquals(0, back.qos());
        assertTrue(back.retain());
    }

    @Test
    public void aSessionIsKeptWithItsSubscriptionsAndMessagesAndThoseThatExpiredAreLeftOut() throws Exception {
        Path file = folder.getRoot().toPath().resolve("broker.mv.db");
        Session session = new Session("zigbee2mqtt", 3600);
        session.user("z2m");
        session.subscriptions().put("zigbee2mqtt/+/set", new Subscription("zigbee2mqtt/+/set", 1, true, false, 7));
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.StringProperty(MqttPropertyType.CONTENT_TYPE.value(), "application/json"));
        Publication sent = new Publication("zigbee2mqtt/lamp/set", "{\"state\":\"ON\"}".getBytes(UTF_8), 1, false,
                properties, Long.MAX_VALUE);
        Publication expired = new Publication("zigbee2mqtt/lamp/set", new byte[] { 1 }, 1, false, properties,
                System.nanoTime() - 1);
        Publication waiting = new Publication("zigbee2mqtt/plug/set", "{}".getBytes(UTF_8), 1, true, properties, Long.MAX_VALUE);
        session.park(Map.of(42, new Delivery.Outgoing(sent, 1, false, List.of(7))),
                List.of(new Delivery.Outgoing(expired, 1, false, List.of()), new Delivery.Outgoing(waiting, 1, true, List.of())),
                System.nanoTime());
        try (BrokerStore store = BrokerStore.open(file)) {
            store.sessions(List.of(session, ended()));
        }

        try (BrokerStore store = BrokerStore.open(file)) {
            List<Session> sessions = store.sessions();
            assertEquals("the one that ended is left out", 1, sessions.size());
            Session back = sessions.get(0);
            assertEquals("zigbee2mqtt", back.clientId());
            assertEquals("z2m", back.user());
            assertEquals(3600, back.expirySeconds());
            assertEquals(Map.of("zigbee2mqtt/+/set", new Subscription("zigbee2mqtt/+/set", 1, true, false, 7)),
                    back.subscriptions());
            Delivery.Outgoing unacknowledged = back.unacknowledged().get(42);
            assertEquals("sent again under its packet id", List.of(42), List.copyOf(back.unacknowledged().keySet()));
            assertEquals("{\"state\":\"ON\"}", new String(unacknowledged.message().payload(), UTF_8));
            assertEquals(List.of(7), unacknowledged.identifiers());
            assertEquals("application/json", unacknowledged.message().properties()
                    .getProperty(MqttPropertyType.CONTENT_TYPE.value()).value());
            assertEquals("the expired one left out", 1, back.waitingMessages().size());
            Delivery.Outgoing next = back.waitingMessages().iterator().next();
            assertEquals("zigbee2mqtt/plug/set", next.message().topic());
            assertTrue(next.retain());
            assertTrue("ends about an hour from now", back.endsNanos() - System.nanoTime() > 3500L * 1_000_000_000L);
        }
    }

    private static Session ended() {
        Session s = new Session("gone", 1);
        s.park(Map.of(), List.of(), System.nanoTime() - 2_000_000_000L);
        return s;
    }
}
