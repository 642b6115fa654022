package dev.outrigger.mqtt;

import static org.junit.Assert.assertEquals;

import java.util.Optional;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.junit.Test;

import dev.outrigger.messaging.Message;

public class PublishPacketsTest {

    /** Paho's own encoding of the packet is what the broker measures. */
    private static long encoded(Message m) throws Exception {
        MqttProperties properties = new MqttProperties();
        m.responseTopic().ifPresent(properties::setResponseTopic);
        m.correlationData().ifPresent(properties::setCorrelationData);
        MqttPublish publish = new MqttPublish(m.topic(), new MqttMessage(m.payload(), m.qos(), m.retained(), properties), properties);
        publish.setMessageId(1);
        return publish.getHeader().length + publish.getPayload().length;
    }

    @Test
    public void theSizeIsWhatPahoSends() throws Exception {
        for (Message m : new Message[] {
                Message.of("outrigger/van/status", new byte[10]),
                new Message("o/v/mesh/!5a1a0002/position", new byte[127], 0, false, Optional.empty(), Optional.empty()),
                new Message("o/v/ü/" + "t".repeat(300), new byte[20_000], 1, true, Optional.empty(), Optional.empty()),
                new Message("o/v/config/reply", new byte[3_000_000], 1, false, Optional.of("reply/to/me"), Optional.of(new byte[16])) }) {
            assertEquals(m.topic() + ", " + m.payload().length + " bytes", encoded(m), PublishPackets.size(m));
        }
    }
}
