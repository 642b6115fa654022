package dev.outrigger.broker;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.health.MetricSource;

/** The embedded broker's counters for /metrics, as {@code broker:status} shows them. */
@Component
public class BrokerMetrics implements MetricSource {

    @Reference
    private EmbeddedBroker embedded;

    @Override
    public String metrics() {
        MqttBroker broker = embedded.broker();
        MqttBroker.Stats stats = broker.stats();
        return new Exposition()
                .single("outrigger_broker_listening", "gauge", "1 while the embedded broker listens (0: waiting for its port)",
                        broker.address() == null ? 0 : 1)
                .single("outrigger_broker_clients", "gauge", "Clients connected to the embedded broker", stats.clients())
                .single("outrigger_broker_retained", "gauge", "Topics with a retained message", stats.retained())
                .single("outrigger_broker_received_total", "counter", "Messages published to the embedded broker", stats.received())
                .single("outrigger_broker_delivered_total", "counter", "Messages delivered to subscribers", stats.delivered())
                .single("outrigger_broker_dropped_total", "counter",
                        "Messages dropped for clients that did not take them (queue or buffer full)", stats.dropped())
                .single("outrigger_broker_refused_total", "counter", "Connections refused: wrong or missing credentials", stats.refused())
                .single("outrigger_broker_denied_total", "counter", "Publications refused by the ACL file", stats.denied())
                .toString();
    }
}
