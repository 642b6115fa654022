package dev.outrigger.mqtt;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;

/** The uplink's connection and traffic for /metrics; {@code mqtt:status} shows the same connection. */
@Component
public class MqttMetrics implements MetricSource {

    @Reference
    private MqttConnection connection;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    private volatile OutboxDrainer drainer;

    @Override
    public String metrics() {
        Traffic t = connection.traffic();
        OutboxDrainer d = drainer;
        return new Exposition()
                .single("outrigger_mqtt_connected", "gauge", "1 while connected to the MQTT broker", connection.isConnected() ? 1 : 0)
                .single("outrigger_mqtt_inflight", "gauge", "Publications sent and not yet acknowledged", connection.inflight())
                .single("outrigger_mqtt_connects_total", "counter", "Connections established with the broker", t.connects.sum())
                .single("outrigger_mqtt_connect_failures_total", "counter",
                        "Connection attempts that failed (mqtt:status and the log say why)", t.connectFailures.sum())
                .single("outrigger_mqtt_connections_lost_total", "counter", "Established connections that were lost", t.lost.sum())
                .single("outrigger_mqtt_published_total", "counter", "Publications the broker acknowledged", t.published.sum())
                .single("outrigger_mqtt_refused_total", "counter",
                        "Publications the broker refused with a reason code, or that exceed its maximum packet size (logged at most once a minute)",
                        t.refused.sum())
                .single("outrigger_mqtt_publish_failures_total", "counter",
                        "Publications without the broker's answer (the outbox sends such records again)", t.failed.sum())
                .single("outrigger_mqtt_subscriptions_refused", "gauge",
                        "Subscriptions the broker refused (mqtt:status names them; asked for again while refused)",
                        connection.refusedSubscriptions().size())
                .single("outrigger_mqtt_held_back", "gauge",
                        "Records the broker refused for a reason that may pass (its ACL, a quota): kept in the outbox and offered again",
                        d == null ? 0 : d.heldBack())
                .single("outrigger_mqtt_received_total", "counter", "Messages received for subscriptions", t.received.sum())
                .toString();
    }
}
