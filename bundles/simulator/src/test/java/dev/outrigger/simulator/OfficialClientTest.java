package dev.outrigger.simulator;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.Configs;
import dev.outrigger.framework.JsPeers;
import dev.outrigger.framework.Ports;

/**
 * The simulator stands in for a radio in demos and tests: the official Meshtastic client (the
 * library of the web client) must take it for one over its TCP API — handshake, node database,
 * settings, each kind of packet the mesh sends, acknowledgements and traceroutes.
 */
public class OfficialClientTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theOfficialClientTakesTheSimulatorForARadioOverTcp() throws Exception {
        int port = Ports.free();
        SimulatorServer server = new SimulatorServer(Configs.of(SimulatorServer.Config.class,
                Map.of("port", port, "intervalSeconds", 0.1)));
        try {
            assertARadio(officialClient(String.valueOf(port)));
        } finally {
            server.deactivate();
        }
    }

    /** On USB, where the radio's log text comes between the frames. */
    @Test
    public void theOfficialClientTakesTheSimulatorForARadioOverSerial() throws Exception {
        try (PtyPair usb = new PtyPair(folder.getRoot().toPath())) {
            int port = Ports.free();
            SimulatorServer server = new SimulatorServer(Configs.of(SimulatorServer.Config.class,
                    Map.of("port", port, "intervalSeconds", 0.1, "pty", usb.device.toRealPath().toString())));
            try {
                assertARadio(officialClient(usb.peer.toRealPath().toString()));
            } finally {
                server.deactivate();
            }
        }
    }

    private static Map<String, Object> officialClient(String where) throws Exception {
        List<String> printed = JsPeers.run(Duration.ofSeconds(30), "official-client.mjs", where,
                String.valueOf(SimulatedMesh.OTHERS.get(2).num()));
        return JSON.std.mapFrom(String.join("\n", printed));
    }

    private static void assertARadio(Map<String, Object> seen) {
        assertEquals(true, seen.get("configured"));
        assertEquals(SimulatedMesh.SELF.num(), ((Number) seen.get("myNodeNum")).longValue());
        assertEquals(List.of("Simulated (not real)", "Shed", "Garage", "Camper van"),
                list(seen.get("nodes")).stream().map(n -> n.get("longName")).toList());
        assertEquals(List.of(Map.of("index", 0, "name", "LongFast", "role", "PRIMARY")), seen.get("channels"));
        assertEquals(Map.of("region", "EU_868", "preset", "LONG_FAST", "hopLimit", 3, "txEnabled", true), seen.get("lora"));
        assertEquals("2.5.0-simulated", seen.get("firmwareVersion"));

        Map<String, Object> heard = map(seen.get("heard"));
        Map<String, Object> position = list(heard.get("position")).get(0);
        assertTrue("a position where the nodes are: " + position,
                Math.abs(((Number) position.get("latitudeI")).intValue() / 1e7 - 52.52) < 0.05);
        Map<String, Object> device = list(heard.get("deviceMetrics")).get(0);
        assertTrue("a battery level in percent: " + device, ((Number) device.get("batteryLevel")).intValue() <= 100);
        Map<String, Object> environment = list(heard.get("environmentMetrics")).get(0);
        assertTrue("a temperature in °C: " + environment, ((Number) environment.get("temperature")).doubleValue() > 15);
        String text = (String) list(heard.get("text")).get(0).get("text");
        assertTrue(text, text.matches("Hello from .+ \\(simulated\\)"));
        assertTrue("neighbours heard: " + heard.get("neighbors"), ((Number) list(heard.get("neighbors")).get(0).get("count")).intValue() > 0);

        assertEquals("a broadcast is acknowledged", "acknowledged", seen.get("broadcast"));
        assertEquals("a node no one knows is out of reach", "NO_ROUTE", seen.get("toUnknownNode"));
        assertEquals("the camper van is reached through the garage", List.of((int) SimulatedMesh.OTHERS.get(1).num()), seen.get("route"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object json) {
        return (Map<String, Object>) json;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object json) {
        return (List<Map<String, Object>>) json;
    }
}
