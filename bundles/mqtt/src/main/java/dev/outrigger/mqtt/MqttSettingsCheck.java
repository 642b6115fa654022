package dev.outrigger.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException.Problem;

/**
 * Refuses, from the shell and remotely, a broker address or topic root the connection could not
 * use: a gateway told so remotely would never hear from its fleet again. The connection checks
 * the same at start, for what a file in {@code etc/} says.
 */
@Component(property = SettingsCheck.PID + "=" + MqttConnection.PID)
public class MqttSettingsCheck implements SettingsCheck {

    /** The schemes of the network modules Paho ships. */
    private static final Set<String> SCHEMES = Set.of("tcp", "ssl", "ws", "wss");

    @Override
    public List<Problem> problems(Map<String, Object> properties) {
        List<Problem> problems = new ArrayList<>();
        if (properties.get("broker") instanceof String broker) {
            brokerProblem(broker).ifPresent(p -> problems.add(new Problem("broker", p)));
        }
        if (properties.get("root") instanceof String root) {
            rootProblem(root).ifPresent(p -> problems.add(new Problem("root", p)));
        }
        return problems;
    }

    /** The first of the broker address and the topic root that cannot be used, in words. */
    static Optional<String> unusable(MqttConfig config) {
        return brokerProblem(config.broker()).map(p -> "broker: " + p)
                .or(() -> rootProblem(config.root()).map(p -> "root: " + p));
    }

    static Optional<String> brokerProblem(String broker) {
        String expected = "; expected tcp://host:1883, or ssl://host:8883 for TLS";
        if (!broker.contains("://")) {
            return Optional.of(broker + " has no scheme" + expected);
        }
        URI uri;
        try {
            uri = new URI(broker);
        } catch (URISyntaxException e) {
            return Optional.of(broker + " is not an address (" + e.getReason().toLowerCase(Locale.ROOT) + " at index " + e.getIndex() + ")"
                    + expected);
        }
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme())) {
            return Optional.of(broker + " has no scheme the client speaks (tcp, ssl, ws, wss)" + expected);
        }
        if (uri.getHost() == null) {
            return Optional.of(broker + " names no host" + expected);
        }
        if (uri.getScheme().matches("tcp|ssl") && !uri.getRawPath().isEmpty()) {
            return Optional.of(broker + " has a path, which only ws:// and wss:// take" + expected);
        }
        return Optional.empty();
    }

    static Optional<String> rootProblem(String root) {
        return root.matches(".*[+#\\x00].*") ? Optional.of(root + " holds an MQTT wildcard (+ or #), which no topic may")
                : Optional.empty();
    }
}
