package dev.outrigger.broker;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;

/**
 * Whatever a connected client sends next, MQTT 5 or 3.1.1: the session never throws (a throw
 * would surface from the channel here, as the broker's last-resort handler is left out), routes
 * what it accepts to a subscriber of everything, and leaves nothing behind once closed. Jazzer
 * reports a crash, a timeout or an out-of-memory as a failure.
 */
class ClientSessionFuzzTest {

    static final MqttBroker BROKER = new MqttBroker(
            new MqttBroker.Settings("127.0.0.1", 0, 8, 4096, 100, 1024 * 1024, 3600, 10, MqttBroker.Access.OPEN), BrokerStore.none());

    /** CONNECT, 3.1.1, clean session, keep-alive 60 s, client id "fuzz". */
    private static final byte[] CONNECT_311 = { 0x10, 16, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 4, 'f', 'u', 'z', 'z' };
    /** CONNECT, 5, clean start, keep-alive 60 s, client id "fuzz", will "x" on f/w. */
    private static final byte[] CONNECT_5 = { 0x10, 26, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x06, 0, 60, 0,
            0, 4, 'f', 'u', 'z', 'z', 0, 0, 3, 'f', '/', 'w', 0, 1, 'x' };
    /** A 3.1.1 subscriber to "#" at QoS 1. */
    private static final byte[] SUBSCRIBER = { 0x10, 15, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 3, 's', 'u', 'b',
            (byte) 0x82, 6, 0, 1, 0, 1, '#', 1 };

    @FuzzTest(maxDuration = "20s")
    void anyPacketsAfterConnect(byte[] bytes) {
        EmbeddedChannel subscriber = session();
        subscriber.writeInbound(Unpooled.wrappedBuffer(SUBSCRIBER));
        EmbeddedChannel client = session();
        client.writeInbound(Unpooled.wrappedBuffer(bytes.length > 0 && (bytes[0] & 1) == 0 ? CONNECT_5 : CONNECT_311));
        client.writeInbound(Unpooled.wrappedBuffer(bytes));
        client.runPendingTasks();
        client.finishAndReleaseAll();
        subscriber.runPendingTasks();
        subscriber.finishAndReleaseAll();
        if (BROKER.stats().clients() != 0) {
            throw new IllegalStateException(BROKER.stats().clients() + " session(s) left behind after their channels closed");
        }
    }

    /** A connection's pipeline as the broker makes it, bar the last-resort handler. */
    static EmbeddedChannel session() {
        return new EmbeddedChannel(new BridgeConnect(), new MqttDecoder(4096), MqttEncoder.INSTANCE, new ClientSession(BROKER));
    }
}
