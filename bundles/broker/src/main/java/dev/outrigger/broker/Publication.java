package dev.outrigger.broker;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

/**
 * A message as the broker routes it: copied out of the network buffer once, then shared read-only
 * by every client it goes to and by the retained store.
 *
 * @param properties   the MQTT 5 properties that travel unchanged with the message to its receivers
 * @param expiresNanos when an MQTT 5 message expiry interval runs out ({@link System#nanoTime}),
 *                     or {@link Long#MAX_VALUE} for never
 */
record Publication(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties, long expiresNanos) {

    /** What a receiver gets of the sender's properties; aliases and subscription ids are per connection. */
    private static final Set<Integer> FORWARDED = Set.of(
            MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(),
            MqttPropertyType.CONTENT_TYPE.value(),
            MqttPropertyType.RESPONSE_TOPIC.value(),
            MqttPropertyType.CORRELATION_DATA.value(),
            MqttPropertyType.USER_PROPERTY.value());
    private static final int EXPIRY = MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value();

    /** A message received now, with the properties it was sent with. */
    static Publication of(String topic, byte[] payload, int qos, boolean retain, MqttProperties received) {
        MqttProperties kept = new MqttProperties();
        long expires = Long.MAX_VALUE;
        for (MqttProperties.MqttProperty<?> p : received.listAll()) {
            if (FORWARDED.contains(p.propertyId())) {
                kept.add(p);
            } else if (p.propertyId() == EXPIRY && p instanceof IntegerProperty seconds) {
                expires = System.nanoTime() + TimeUnit.SECONDS.toNanos(Integer.toUnsignedLong(seconds.value()));
            }
        }
        return new Publication(topic, payload, qos, retain, kept, expires);
    }

    boolean expired(long nowNanos) {
        return expiresNanos != Long.MAX_VALUE && nowNanos - expiresNanos >= 0;
    }

    /**
     * The properties for a receiver now: those sent, the identifiers of the receiver's matching
     * subscriptions, and the expiry interval less the time the message waited here (rounded up),
     * as MQTT 5 requires. Without either, the sent ones are shared: encoding only reads them.
     */
    MqttProperties propertiesFor(List<Integer> subscriptionIds, long nowNanos) {
        if (subscriptionIds.isEmpty() && expiresNanos == Long.MAX_VALUE) {
            return properties;
        }
        MqttProperties out = new MqttProperties();
        properties.listAll().forEach(out::add);
        for (int id : subscriptionIds) {
            out.add(new IntegerProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value(), id));
        }
        if (expiresNanos != Long.MAX_VALUE) {
            long left = TimeUnit.NANOSECONDS.toSeconds(expiresNanos - nowNanos + TimeUnit.SECONDS.toNanos(1) - 1);
            out.add(new IntegerProperty(EXPIRY, (int) Math.max(1, left)));
        }
        return out;
    }
}
