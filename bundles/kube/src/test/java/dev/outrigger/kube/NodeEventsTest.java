package dev.outrigger.kube;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import dev.outrigger.kube.NodeEvents.Change;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/** Against fabric8's mock API server in CRUD mode: the Events as the real client sends them. */
public class NodeEventsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T15:00:00.123456Z");
    private static final String RADIO = "WisCore RAK4631 Meshtastic (239a:8029, serial C0FFEE) at /dev/ttyACM0, role meshtastic";

    private KubernetesMockServer server;
    private KubernetesClient client;
    private NodeEvents events;

    @Before
    public void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        events = new NodeEvents(client, "shed-pi");
    }

    @After
    public void stop() {
        client.close();
        server.destroy();
    }

    private static Map<String, NodeSync.Condition> mqtt(boolean connected) {
        return Map.of("MqttConnected", new NodeSync.Condition(connected, connected ? "Connected" : "Disconnected", ""),
                "SerialDevicesPresent", new NodeSync.Condition(connected, "DevicesPresent", ""));
    }

    @Test
    public void aRestartAnnouncesNothingThenEachPlugUnplugAndFlipIsAnEvent() {
        assertEquals("the first look takes the state in", List.of(), events.changes(Map.of("radio", RADIO), mqtt(true)));
        assertEquals(List.of(), events.changes(Map.of("radio", RADIO), mqtt(true)));

        List<Change> changes = events.changes(Map.of(), mqtt(false));
        assertEquals(List.of(new Change("Normal", "SerialDeviceRemoved", "Unplugged: " + RADIO),
                new Change("Warning", "Disconnected", "MqttConnected is False")), changes);
        assertEquals(List.of(new Change("Normal", "SerialDeviceAdded", "Plugged in: " + RADIO),
                new Change("Normal", "Connected", "MqttConnected is True")), events.changes(Map.of("radio", RADIO), mqtt(true)));
    }

    @Test
    public void recordedAsTheKubeletRecordsEventsAboutItsNode() {
        events.record(List.of(new Change("Warning", "Disconnected", "MqttConnected is False")), T0);
        List<Event> stored = client.v1().events().inNamespace("default").list().getItems();
        assertEquals(1, stored.size());
        Event e = stored.get(0);
        assertTrue(e.getMetadata().getName(), e.getMetadata().getName().matches("shed-pi\\.[0-9a-f]+"));
        assertEquals("Node", e.getInvolvedObject().getKind());
        assertEquals("shed-pi", e.getInvolvedObject().getName());
        assertEquals("v1", e.getInvolvedObject().getApiVersion());
        assertEquals("Warning", e.getType());
        assertEquals("Disconnected", e.getReason());
        assertEquals("outrigger", e.getSource().getComponent());
        assertEquals("seconds, as the API server's Time", "2026-12-01T15:00:00Z", e.getFirstTimestamp());
        assertEquals(e.getFirstTimestamp(), e.getLastTimestamp());
        assertEquals(1, (int) e.getCount());
    }

    @Test
    public void aLongMessageIsCutToWhatTheApiServerTakes() {
        assertEquals("short", NodeEvents.shortened("short"));
        String cut = NodeEvents.shortened("x".repeat(5000));
        assertEquals(1024, cut.length());
        assertTrue(cut.endsWith("..."));
    }

    @Test
    public void aFlappingDeviceCannotFloodTheApiServer() {
        Change flap = new Change("Normal", "SerialDeviceAdded", "Plugged in: " + RADIO);
        events.record(Collections.nCopies(NodeEvents.PER_MINUTE + 5, flap), T0);
        assertEquals(NodeEvents.PER_MINUTE, client.v1().events().inNamespace("default").list().getItems().size());
        events.record(List.of(flap), T0.plusSeconds(61));
        assertEquals("a minute later, recorded again", NodeEvents.PER_MINUTE + 1,
                client.v1().events().inNamespace("default").list().getItems().size());
    }
}
