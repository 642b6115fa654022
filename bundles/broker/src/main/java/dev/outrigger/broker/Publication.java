package dev.outrigger.broker;

import java.util.Set;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;

/**
 * A message as the broker routes it: copied out of the network buffer once, then shared read-only
 * by every client it goes to and by the retained store.
 *
 * @param properties the MQTT 5 properties that travel with the message to its receivers
 */
record Publication(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {

    /** What a receiver gets of the sender's properties; aliases and subscription ids are per connection. */
    private static final Set<Integer> FORWARDED = Set.of(
            MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(),
            MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL.value(),
            MqttPropertyType.CONTENT_TYPE.value(),
            MqttPropertyType.RESPONSE_TOPIC.value(),
            MqttPropertyType.CORRELATION_DATA.value(),
            MqttPropertyType.USER_PROPERTY.value());

    static MqttProperties forwardable(MqttProperties received) {
        MqttProperties kept = new MqttProperties();
        for (MqttProperties.MqttProperty<?> p : received.listAll()) {
            if (FORWARDED.contains(p.propertyId())) {
                kept.add(p);
            }
        }
        return kept;
    }
}
