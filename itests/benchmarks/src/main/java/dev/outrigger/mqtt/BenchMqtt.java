package dev.outrigger.mqtt;

import java.lang.reflect.Proxy;
import java.util.Map;

import dev.outrigger.messaging.Messaging;
import dev.outrigger.outbox.Outbox;

/** The real connection and drainer outside OSGi, wired as DS would wire them. */
public final class BenchMqtt implements AutoCloseable {

    private final MqttConnection connection = new MqttConnection();
    private OutboxDrainer drainer;
    private final MqttConfig config;

    public BenchMqtt(Map<String, Object> overrides) throws Exception {
        config = (MqttConfig) Proxy.newProxyInstance(MqttConfig.class.getClassLoader(), new Class<?>[] { MqttConfig.class },
                (p, m, a) -> overrides.getOrDefault(m.getName(), m.getDefaultValue()));
        connection.activate(config);
    }

    public Messaging messaging() {
        return connection;
    }

    public void drain(Outbox outbox) {
        drainer = new OutboxDrainer(connection, outbox, config);
    }

    @Override
    public void close() throws Exception {
        if (drainer != null) {
            drainer.deactivate();
        }
        connection.deactivate();
    }
}
