package dev.outrigger.mqtt;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

import dev.outrigger.config.SettingsException.Problem;

public class MqttSettingsCheckTest {

    private final MqttSettingsCheck check = new MqttSettingsCheck();

    @Test
    public void addressesTheClientTakesPass() {
        for (String broker : List.of("tcp://127.0.0.1:1883", "ssl://broker.example:8883", "tcp://[::1]:1883",
                "wss://broker.example/mqtt", "tcp://broker")) {
            assertEquals(broker, Optional.empty(), MqttSettingsCheck.brokerProblem(broker));
        }
        assertEquals(List.of(), check.problems(Map.of("broker", "tcp://broker:1883", "root", "fleet/cars")));
    }

    @Test
    public void whatItCannotUseIsSaidByProperty() {
        assertBroker("\"tcp://127.0.0.1:1\"", "is not an address (illegal character in scheme name at index 0)");
        assertBroker("127.0.0.1:1883", "has no scheme");
        assertBroker("mqtt://broker:1883", "has no scheme the client speaks");
        assertBroker("tcp://", "is not an address");
        assertBroker("tcp://broker:1883/mqtt", "has a path, which only ws:// and wss:// take");
        List<Problem> problems = check.problems(Map.of("broker", "tcp://broker:1883", "root", "fleet/#"));
        assertEquals(problems.toString(), 1, problems.size());
        assertEquals("root", problems.get(0).property());
        assertTrue(problems.get(0).message(), problems.get(0).message().contains("wildcard"));
    }

    private void assertBroker(String broker, String says) {
        List<Problem> problems = check.problems(Map.of("broker", broker));
        assertEquals(problems.toString(), 1, problems.size());
        assertEquals("broker", problems.get(0).property());
        assertTrue(problems.get(0).message(), problems.get(0).message().startsWith(broker + " ") && problems.get(0).message().contains(says)
                && problems.get(0).message().endsWith("expected tcp://host:1883, or ssl://host:8883 for TLS"));
    }
}
