package dev.outrigger.kube;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import dev.outrigger.kube.NodeEvents.Change;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Against fabric8's mock API server in CRUD mode: the Events as the real client sends them. */
public class NodeEventsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T15:00:00.123456Z");
    private static final String RADIO = "WisCore RAK4631 Meshtastic (239a:8029, serial C0FFEE) at /dev/ttyACM0, role meshtastic";

    @Rule
    public final CrudApiServer api = new CrudApiServer();
    private KubernetesClient client;
    private NodeEvents events;

    @Before
    public void start() {
        client = api.client();
        events = new NodeEvents(client, "shed-pi");
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
    public void theSameChangeAgainCountsUpItsEventForTenMinutesAsTheKubeletDoes() {
        Change unplugged = new Change("Normal", "SerialDeviceRemoved", "Unplugged: " + RADIO);
        events.record(List.of(unplugged), T0);
        events.record(List.of(unplugged), T0.plusSeconds(90));
        events.record(List.of(unplugged), T0.plusSeconds(300));
        Event e = only();
        assertEquals(3, (int) e.getCount());
        assertEquals("2026-12-01T15:00:00Z", e.getFirstTimestamp());
        assertEquals("2026-12-01T15:05:00Z", e.getLastTimestamp());
        assertEquals(3, events.recorded());

        events.record(List.of(unplugged), T0.plusSeconds(300 + 601));
        List<Event> stored = stored();
        assertEquals("ten minutes after the last time, a new Event", 2, stored.size());
        assertEquals(1, (int) stored.stream().filter(s -> s.getLastTimestamp().equals("2026-12-01T15:15:01Z")).findFirst()
                .orElseThrow().getCount());
    }

    @Test
    public void anEventGoneFromTheApiServerIsRecordedAnew() {
        Change flip = new Change("Warning", "Disconnected", "MqttConnected is False");
        events.record(List.of(flip), T0);
        client.v1().events().inNamespace("default").withName(only().getMetadata().getName()).delete();
        events.record(List.of(flip), T0.plusSeconds(30));
        assertEquals(1, (int) only().getCount());
        assertEquals("", events.failing());
    }

    @Test
    public void aFlappingDeviceCannotFloodTheApiServer() {
        Change plugged = new Change("Normal", "SerialDeviceAdded", "Plugged in: " + RADIO);
        Change unplugged = new Change("Normal", "SerialDeviceRemoved", "Unplugged: " + RADIO);
        for (int i = 0; i < NodeEvents.PER_MINUTE; i++) {
            events.record(List.of(plugged, unplugged), T0);
        }
        assertEquals("two Events, counted up to the limit", NodeEvents.PER_MINUTE,
                stored().stream().mapToInt(Event::getCount).sum());
        assertEquals(NodeEvents.PER_MINUTE, events.dropped());
        events.record(List.of(plugged), T0.plusSeconds(61));
        assertEquals("a minute later, counted again", NodeEvents.PER_MINUTE + 1, stored().stream().mapToInt(Event::getCount).sum());
        assertEquals(2, stored().size());
        for (int i = 0; i < NodeEvents.PER_MINUTE; i++) {
            events.record(List.of(plugged), T0.plusSeconds(62));
        }
        events.record(List.of(unplugged), T0.minus(1, ChronoUnit.DAYS));
        assertEquals("the clock set back a day: not a day without Events", 2 * NodeEvents.PER_MINUTE + 1,
                stored().stream().mapToInt(Event::getCount).sum());
    }

    private List<Event> stored() {
        return client.v1().events().inNamespace("default").list().getItems();
    }

    private Event only() {
        List<Event> stored = stored();
        assertEquals(stored.toString(), 1, stored.size());
        return stored.get(0);
    }
}
