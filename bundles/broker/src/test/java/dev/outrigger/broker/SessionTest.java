package dev.outrigger.broker;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Test;

import io.netty.handler.codec.mqtt.MqttProperties;

public class SessionTest {

    private static Publication message(String topic, int qos) {
        return Publication.of(topic, new byte[] { 1 }, qos, false, MqttProperties.NO_PROPERTIES);
    }

    @Test
    public void endsWhenItsExpiryIntervalHasPassedSinceItsConnectionEnded() {
        Session session = new Session("logger", 60);
        long ended = 1_000_000_000_000L;
        session.park(Map.of(), List.of(), ended);
        assertFalse(session.expired(ended + 59_999_000_000L));
        assertTrue(session.expired(ended + 60_001_000_000L));
    }

    @Test
    public void keepsQos1MessagesUpToItsBoundAndCountsTheRest() {
        Session session = new Session("logger", 60);
        session.subscriptions().put("gw/#", new Subscription("gw/#", 1, false, false, 0));
        for (int i = 0; i < 5; i++) {
            session.keep(session.match("gateway", message("gw/n", 1)), 3);
        }
        session.keep(session.match("gateway", message("gw/n", 0)), 3);
        assertEquals(3, session.waiting());
        assertEquals(2, session.dropped());
    }

    @Test
    public void matchesOnceAtTheHighestQosAndHonoursNoLocal() {
        Session session = new Session("logger", 60);
        session.subscriptions().put("gw/#", new Subscription("gw/#", 0, false, false, 7));
        session.subscriptions().put("gw/+", new Subscription("gw/+", 1, true, false, 9));
        Delivery.Outgoing outgoing = session.match("gateway", message("gw/n", 1));
        assertEquals(1, outgoing.qos());
        assertEquals(List.of(7, 9), outgoing.identifiers().stream().sorted().toList());
        assertEquals("its own message only through the filter without no-local", 0,
                session.match("logger", message("gw/n", 1)).qos());
        assertNull(session.match("gateway", message("other", 1)));
    }
}
