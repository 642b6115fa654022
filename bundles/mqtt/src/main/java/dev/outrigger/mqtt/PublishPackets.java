package dev.outrigger.mqtt;

import java.nio.charset.StandardCharsets;

import dev.outrigger.messaging.Message;

/** The size of a message's MQTT 5 PUBLISH packet, as a broker counts it against its maximum packet size. */
final class PublishPackets {

    private PublishPackets() {
    }

    static long size(Message m) {
        long properties = m.responseTopic().map(t -> 1 + 2 + (long) utf8(t)).orElse(0L)
                + m.correlationData().map(c -> 1 + 2 + (long) c.length).orElse(0L);
        long remaining = 2 + utf8(m.topic()) + (m.qos() > 0 ? 2 : 0) + varIntBytes(properties) + properties
                + m.payload().length;
        return 1 + varIntBytes(remaining) + remaining;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** MQTT's variable byte integer: 7 bits a byte. */
    private static int varIntBytes(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }
}
