package dev.outrigger.broker;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * Messages on their way to one connected client, on its event loop: QoS 1 ones within the window
 * the client allows (its receive maximum), the rest queued up to a limit; beyond it, and for QoS 0
 * while the socket is full, dropped and counted, so that a slow client costs memory only up to a
 * bound and never holds up the others.
 */
final class Delivery {

    /** A message for this client, at the QoS and with the subscription identifiers its filters give it. */
    record Outgoing(Publication message, int qos, boolean retain, List<Integer> identifiers) {
    }

    private final ChannelHandlerContext ctx;
    private final MqttBroker broker;
    private final String client;
    private final int receiveMaximum;
    private final long maxPacket;
    /** QoS 1 messages sent and not yet acknowledged, by packet id, in the order sent. */
    private final Map<Integer, Outgoing> inflight = new LinkedHashMap<>();
    private final ArrayDeque<Outgoing> queued = new ArrayDeque<>();
    private int nextPacketId = 1;
    private volatile long dropped;

    /**
     * @param client         who the client is, for log lines
     * @param receiveMaximum QoS 1 messages the client takes unacknowledged
     * @param maxPacket      the largest packet the client takes, in bytes
     */
    Delivery(ChannelHandlerContext ctx, MqttBroker broker, String client, int receiveMaximum, long maxPacket) {
        this.ctx = ctx;
        this.broker = broker;
        this.client = client;
        this.receiveMaximum = receiveMaximum;
        this.maxPacket = maxPacket;
    }

    void send(Outgoing outgoing) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (outgoing.message().payload().length + outgoing.message().topic().length() + 64 > maxPacket) {
            drop();
        } else if (outgoing.qos() == 0) {
            if (ctx.channel().isWritable()) {
                write(outgoing);
            } else {
                drop();
            }
        } else if (inflight.size() < receiveMaximum && queued.isEmpty()) {
            write(outgoing);
        } else if (queued.size() < broker.settings().maxQueuedPerClient()) {
            queued.add(outgoing);
        } else {
            drop();
        }
    }

    void acknowledged(int packetId) {
        inflight.remove(packetId);
        while (!queued.isEmpty() && inflight.size() < receiveMaximum) {
            write(queued.poll());
        }
    }

    /**
     * Sends again what a persistent session's previous connection had not had acknowledged, with
     * the same packet ids and the DUP flag, as MQTT requires when a session resumes.
     */
    void resend(Map<Integer, Outgoing> unacknowledged) {
        long now = System.nanoTime();
        unacknowledged.forEach((packetId, outgoing) -> {
            if (!outgoing.message().expired(now)) {
                inflight.put(packetId, outgoing);
                publish(outgoing, packetId, true, now);
            }
        });
    }

    /** Sent and not acknowledged, by packet id; the connection is over. */
    Map<Integer, Outgoing> inflight() {
        return inflight;
    }

    /** Waiting for room in the window; the connection is over. */
    List<Outgoing> queued() {
        return List.copyOf(queued);
    }

    /** In flight and queued; on the event loop only. */
    int pending() {
        return inflight.size() + queued.size();
    }

    long dropped() {
        return dropped;
    }

    /** Sends, unless the message expired while it waited. */
    private void write(Outgoing outgoing) {
        long now = System.nanoTime();
        if (outgoing.message().expired(now)) {
            return;
        }
        int packetId = 0;
        if (outgoing.qos() > 0) {
            packetId = packetId();
            inflight.put(packetId, outgoing);
        }
        publish(outgoing, packetId, false, now);
    }

    private void publish(Outgoing outgoing, int packetId, boolean dup, long now) {
        Publication m = outgoing.message();
        MqttProperties properties = m.propertiesFor(outgoing.identifiers(), now);
        ctx.writeAndFlush(new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(outgoing.qos()), outgoing.retain(), 0),
                new MqttPublishVariableHeader(m.topic(), packetId, properties), Unpooled.wrappedBuffer(m.payload())));
        broker.delivered();
    }

    private int packetId() {
        while (inflight.containsKey(nextPacketId)) {
            nextPacketId = nextPacketId % 65535 + 1;
        }
        int id = nextPacketId;
        nextPacketId = nextPacketId % 65535 + 1;
        return id;
    }

    private void drop() {
        dropped++;
        broker.dropped();
        broker.complain("MQTT client {} does not keep up; messages to it are dropped ({} so far)", client, dropped);
    }
}
