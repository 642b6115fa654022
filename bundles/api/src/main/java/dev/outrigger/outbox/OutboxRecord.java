package dev.outrigger.outbox;

import java.util.Arrays;

/**
 * A message to publish, as a producer hands it over.
 *
 * @param topic    relative to the gateway's topic root ({@code <root>/<gateway>/}), e.g.
 *                 {@code mesh/!a1b2c3d4/position}; no wildcards, no empty levels
 * @param payload  the message body (JSON for Outrigger's own producers)
 * @param qos      0, 1 or 2
 * @param retained whether the broker keeps it for new subscribers
 * @param created  when the producer made it, epoch milliseconds (for latency figures; the outbox
 *                 measures a record's age on a clock of its own)
 */
public record OutboxRecord(String topic, byte[] payload, int qos, boolean retained, long created) {

    public OutboxRecord {
        validateTopic(topic);
        if (payload == null) {
            throw new IllegalArgumentException("payload is required");
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
    }

    /** A QoS 1, not retained record created now: what most producers want. */
    public static OutboxRecord of(String topic, byte[] payload) {
        return new OutboxRecord(topic, payload, 1, false, System.currentTimeMillis());
    }

    /** Throws {@link IllegalArgumentException} saying what is wrong with a relative topic. */
    public static void validateTopic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic is required");
        }
        if (topic.startsWith("/") || topic.endsWith("/") || topic.contains("//")) {
            throw new IllegalArgumentException("topic '" + topic + "' has an empty level");
        }
        if (topic.contains("+") || topic.contains("#") || topic.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("topic '" + topic + "' contains a wildcard or NUL");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboxRecord r && topic.equals(r.topic) && Arrays.equals(payload, r.payload)
                && qos == r.qos && retained == r.retained && created == r.created;
    }

    @Override
    public int hashCode() {
        return 31 * topic.hashCode() + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "OutboxRecord[" + topic + ", " + payload.length + " bytes, qos " + qos + (retained ? ", retained" : "") + "]";
    }
}
