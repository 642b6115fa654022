package dev.outrigger.broker;

import static org.junit.Assert.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.Test;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.JsPeers;

/**
 * The embedded broker as zigbee2mqtt and Home Assistant use a broker on their host, through
 * MQTT.js (the client of zigbee2mqtt, Z-Wave JS UI and Node-RED): retained discovery and states,
 * QoS 1 and 2, MQTT 5 and 3.1.1 side by side, and a last will when a host loses power.
 */
public class MqttJsTest {

    @Test
    public void zigbee2mqttAndHomeAssistantWorkAgainstIt() throws Exception {
        MqttBroker broker = new MqttBroker(new MqttBroker.Settings("127.0.0.1", 0, 8, 256 * 1024, 1000, 1024 * 1024, 3600, 1,
                MqttBroker.Access.OPEN), BrokerStore.none());
        broker.start();
        Map<String, Object> seen;
        try {
            Await.until("listening", Duration.ofSeconds(10), () -> broker.address() != null);
            List<String> printed = JsPeers.run(Duration.ofSeconds(30), "home-automation.mjs",
                    String.valueOf(broker.address().getPort()));
            seen = JSON.std.mapFrom(String.join("\n", printed));
        } finally {
            broker.close();
        }
        assertEquals("the discovery config, retained, whole (3 KB)", Map.of("payload", "whole", "retain", true, "qos", 1),
                seen.get("discovery"));
        assertEquals("the plug's last state, published with QoS 2", Map.of("payload", "{\"state\":\"OFF\"}", "retain", true, "qos", 1),
                seen.get("state"));
        assertEquals(Map.of("payload", "{\"state\":\"online\"}", "retain", true, "qos", 1), seen.get("bridge"));
        assertEquals("Home Assistant's birth message", Map.of("payload", "online", "retain", false, "qos", 1), seen.get("birth"));
        assertEquals("the command", Map.of("payload", "{\"state\":\"ON\"}", "retain", false, "qos", 1), seen.get("command"));
        assertEquals("the last will, at once", Map.of("payload", "{\"state\":\"offline\"}", "retain", false, "qos", 1),
                seen.get("will"));
        assertEquals("the will retained", Map.of("payload", "{\"state\":\"offline\"}", "retain", true, "qos", 0), seen.get("lateBridge"));
    }
}
