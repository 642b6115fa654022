package dev.outrigger.messaging;

import java.util.Optional;

/**
 * An MQTT message. Topics are absolute; {@link Messaging#topic(String)} builds one below the
 * gateway's root.
 *
 * @param responseTopic   MQTT 5 response topic, if the sender wants a reply
 * @param correlationData MQTT 5 correlation data to echo in the reply, if any
 */
public record Message(String topic, byte[] payload, int qos, boolean retained, Optional<String> responseTopic,
        Optional<byte[]> correlationData) {

    public static Message of(String topic, byte[] payload) {
        return new Message(topic, payload, 1, false, Optional.empty(), Optional.empty());
    }
}
