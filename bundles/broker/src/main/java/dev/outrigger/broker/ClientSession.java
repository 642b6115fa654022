package dev.outrigger.broker;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption.RetainedHandlingPolicy;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

/**
 * One client connection, from CONNECT to close. Runs on the broker's event loop; what is called
 * from elsewhere ({@link #offer}, {@link #takenOver}, {@link #pending}) hands over to the loop.
 */
final class ClientSession extends SimpleChannelInboundHandler<MqttMessage> {

    private static final int MQTT_5 = 5;
    private static final long CONNECT_TIMEOUT_SECONDS = 10;

    private final MqttBroker broker;
    /** Incoming QoS 2 packet ids routed and awaiting PUBREL: a resent PUBLISH is not routed twice. */
    private final Set<Integer> awaitingRelease = new HashSet<>();

    private ChannelHandlerContext ctx;
    private volatile String clientId;
    /** The user name given at CONNECT; null without one. */
    private volatile String user;
    private volatile int version;
    /** A broker's bridge ({@link BridgeConnect}): it gets nothing back it published, and retain flags as published. */
    private volatile boolean bridge;
    private volatile boolean connected;
    private boolean disconnected;
    /** The last will, made into a message when it is published. */
    private Supplier<Publication> will;
    private volatile Delivery delivery;
    /** Subscriptions and what outlives this connection; set at CONNECT. */
    private volatile Session session;
    /** Another connection took over this client id and its session. */
    private boolean replaced;
    private long lastReadNanos = System.nanoTime();
    private ScheduledFuture<?> watchdog;

    ClientSession(MqttBroker broker) {
        this.broker = broker;
    }

    String clientId() {
        return clientId;
    }

    String user() {
        return user;
    }

    /** The protocol version the client connected with, as MQTT names it. */
    String protocol() {
        return (version == MQTT_5 ? "5" : version == 4 ? "3.1.1" : "3.1") + (bridge ? " bridge" : "");
    }

    String remoteAddress() {
        return address(ctx.channel());
    }

    /** A connection's peer as host:port, for log lines and the shell. */
    static String address(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a ? a.getHostString() + ":" + a.getPort() : "?";
    }

    /** The client in log lines: its id once known, and where it connects from. */
    String who() {
        return (clientId == null ? "" : clientId + " ") + "from " + remoteAddress();
    }

    int subscriptionCount() {
        Session s = session;
        return s == null ? 0 : s.subscriptions().size();
    }

    long dropped() {
        Delivery d = delivery;
        return d == null ? 0 : d.dropped();
    }

    /** QoS 1 messages in flight and queued, counted on the event loop that owns them; -1 if it does not answer. */
    int pending() {
        return broker.onLoop(() -> delivery.pending(), -1);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        watchdog = ctx.executor().schedule(() -> {
            if (!connected) {
                ctx.close();
            }
        }, CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage message) {
        lastReadNanos = System.nanoTime();
        if (message.decoderResult().isFailure()) {
            refuseUndecodable(message.decoderResult().cause());
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        if (!connected && type != MqttMessageType.CONNECT) {
            broker.complain("MQTT client {} sent {} before CONNECT; closed", who(), type);
            ctx.close();
            return;
        }
        switch (type) {
            case CONNECT -> connect((MqttConnectMessage) message);
            case PUBLISH -> publish((MqttPublishMessage) message);
            case PUBACK -> delivery.acknowledged(((MqttMessageIdVariableHeader) message.variableHeader()).messageId());
            case PUBREL -> released(((MqttMessageIdVariableHeader) message.variableHeader()).messageId());
            case SUBSCRIBE -> subscribe((MqttSubscribeMessage) message);
            case UNSUBSCRIBE -> unsubscribe((MqttUnsubscribeMessage) message);
            case PINGREQ -> ctx.writeAndFlush(new MqttMessage(
                    new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
            case DISCONNECT -> disconnect(message);
            default -> protocolError(type + " is not expected from a client");
        }
    }

    private void refuseUndecodable(Throwable cause) {
        if (!connected && cause instanceof MqttUnacceptableProtocolVersionException) {
            broker.complain("MQTT client {} asked for a protocol version the broker does not speak (it speaks MQTT 3.1, "
                    + "3.1.1 and 5); refused", who());
            refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
        } else if (!connected && cause instanceof MqttIdentifierRejectedException) {
            refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
        } else if (cause instanceof TooLongFrameException) {
            broker.complain("MQTT client {} sent a packet over {} bytes; disconnected", who(), broker.settings().maxPacketBytes());
            disconnectWith(MqttReasonCodes.Disconnect.PACKET_TOO_LARGE);
        } else {
            broker.complain("MQTT client {} sent a malformed packet ({}); disconnected", who(), cause.getMessage());
            disconnectWith(MqttReasonCodes.Disconnect.MALFORMED_PACKET);
        }
    }

    private void connect(MqttConnectMessage message) {
        if (connected) {
            protocolError("second CONNECT");
            return;
        }
        var header = message.variableHeader();
        var payload = message.payload();
        version = header.version();
        bridge = BridgeConnect.isBridge(ctx.channel());
        boolean assigned = payload.clientIdentifier() == null || payload.clientIdentifier().isEmpty();
        if (assigned && version != MQTT_5 && !header.isCleanSession()) {
            refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
            return;
        }
        clientId = assigned ? broker.assignClientId() : payload.clientIdentifier();
        user = header.hasUserName() ? payload.userName() : null;
        if (!broker.authenticates(user, header.hasPassword() ? payload.passwordInBytes() : null)) {
            boolean anonymous = user == null;
            broker.refused(this, anonymous ? "no user name, and the broker requires one"
                    : "wrong user name or password for user '" + payload.userName() + "'");
            refuseConnect(anonymous
                    ? version == MQTT_5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                            : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED
                    : version == MQTT_5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                            : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        if (header.isWillFlag()) {
            if (!Topics.isValidName(payload.willTopic())) {
                refuseConnect(MqttConnectReturnCode.CONNECTION_REFUSED_TOPIC_NAME_INVALID);
                return;
            }
            // its expiry interval runs from its publication, not from now
            String topic = payload.willTopic();
            byte[] body = payload.willMessageInBytes();
            int qos = Math.min(header.willQos(), 2);
            boolean retain = header.isWillRetain();
            MqttProperties properties = payload.willProperties();
            will = () -> Publication.of(topic, body, qos, retain, properties);
        }
        if (!broker.admit(this)) {
            broker.complain("MQTT client {} refused: {} clients connected already", who(),
                    broker.settings().maxClients());
            refuseConnect(version == MQTT_5 ? MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY
                    : MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        MqttProperties properties = header.properties();
        // MQTT 3: clean session off keeps the session "forever"; MQTT 5 says how long; both within our limit
        long requested = version == MQTT_5
                ? properties.getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value()) instanceof IntegerProperty p
                        ? Integer.toUnsignedLong(p.value()) : 0
                : header.isCleanSession() ? 0 : Long.MAX_VALUE;
        long expiry = Math.min(requested, broker.settings().maxSessionExpirySeconds());
        Session resumed = broker.resume(clientId, header.isCleanSession());
        session = resumed != null ? resumed : new Session(clientId, expiry);
        session.expirySeconds(expiry);
        session.user(user);
        delivery = new Delivery(ctx, broker, who(),
                properties.getProperty(MqttPropertyType.RECEIVE_MAXIMUM.value()) instanceof IntegerProperty p
                        ? Math.max(1, p.value()) : 65535,
                properties.getProperty(MqttPropertyType.MAXIMUM_PACKET_SIZE.value()) instanceof IntegerProperty p
                        ? Integer.toUnsignedLong(p.value()) : Long.MAX_VALUE);
        connected = true;
        String assignedId = assigned ? clientId : null;
        MqttConnAckMessage ack = MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                .sessionPresent(resumed != null)
                .properties(p -> {
                    if (expiry != requested) {
                        p.sessionExpiryInterval(expiry);
                    }
                    p.maximumPacketSize(broker.settings().maxPacketBytes())
                            .retainAvailable(true)
                            .wildcardSubscriptionAvailable(true)
                            .subscriptionIdentifiersAvailable(true)
                            .sharedSubscriptionAvailable(false)
                            .topicAliasMaximum(0);
                    if (assignedId != null) {
                        p.assignedClientId(assignedId);
                    }
                })
                .build();
        ctx.writeAndFlush(ack);
        if (resumed != null) {
            resumed.resumeInto(delivery);
        }
        watchdog.cancel(false);
        int keepAlive = header.keepAliveTimeSeconds();
        if (keepAlive > 0) {
            // The client must send something every keepAlive seconds; half as much again is allowed.
            long limitNanos = TimeUnit.MILLISECONDS.toNanos(keepAlive * 1500L);
            watchdog = ctx.executor().scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastReadNanos > limitNanos) {
                    disconnectWith(MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT);
                }
            }, keepAlive * 500L, keepAlive * 500L, TimeUnit.MILLISECONDS);
        }
    }

    private void refuseConnect(MqttConnectReturnCode code) {
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void publish(MqttPublishMessage message) {
        var header = message.variableHeader();
        String topic = header.topicName();
        if (header.properties().getProperty(MqttPropertyType.TOPIC_ALIAS.value()) != null) {
            protocolError("topic alias used, none were allowed");
            return;
        }
        if (!Topics.isValidName(topic)) {
            broker.complain("MQTT client {} published to the invalid topic '{}'; disconnected", who(), topic);
            disconnectWith(MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID);
            return;
        }
        int qos = message.fixedHeader().qosLevel().value();
        Publication publication = Publication.of(topic, ByteBufUtil.getBytes(message.payload()), qos,
                message.fixedHeader().isRetain(), header.properties());
        int packetId = header.packetId();
        if (!broker.mayPublish(this, topic)) {
            // dropped; an MQTT 5 publisher is told why, an older one cannot be (its acknowledgement has no code)
            if (qos == 1) {
                ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(packetId)
                        .reasonCode(MqttReasonCodes.PubAck.NOT_AUTHORIZED.byteValue()).build());
            } else if (qos == 2) {
                ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttPubReplyMessageVariableHeader(packetId, MqttReasonCodes.PubRec.NOT_AUTHORIZED.byteValue(),
                                MqttProperties.NO_PROPERTIES)));
            }
            return;
        }
        switch (qos) {
            case 0 -> broker.route(this, publication);
            case 1 -> {
                broker.route(this, publication);
                ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(packetId).build());
            }
            default -> {
                if (awaitingRelease.add(packetId)) {
                    broker.route(this, publication);
                }
                ctx.writeAndFlush(reply(MqttMessageType.PUBREC, packetId));
            }
        }
    }

    private void released(int packetId) {
        awaitingRelease.remove(packetId);
        ctx.writeAndFlush(reply(MqttMessageType.PUBCOMP, packetId));
    }

    private static MqttMessage reply(MqttMessageType type, int packetId) {
        return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }

    private void subscribe(MqttSubscribeMessage message) {
        var header = message.idAndPropertiesVariableHeader();
        int identifier = header.properties().getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value())
                instanceof IntegerProperty p ? p.value() : 0;
        var ack = MqttMessageBuilders.subAck().packetId(header.messageId());
        List<Runnable> retainedToSend = new ArrayList<>();
        MqttBroker.ReadAccess access = broker.readAccess();
        for (MqttTopicSubscription request : message.payload().topicSubscriptions()) {
            String filter = request.topicFilter();
            Map<String, Subscription> subscriptions = session.subscriptions();
            if (!Topics.isValidFilter(filter) || filter.startsWith("$share/")
                    || subscriptions.size() >= MqttBroker.MAX_SUBSCRIPTIONS && !subscriptions.containsKey(filter)) {
                ack.addGrantedQos(MqttQoS.FAILURE);
                continue;
            }
            var option = request.option();
            int qos = Math.min(option.qos().value(), 1);
            Subscription subscription = new Subscription(filter, qos, option.isNoLocal() || bridge,
                    option.isRetainAsPublished() || bridge, identifier);
            boolean existed = subscriptions.put(filter, subscription) != null;
            ack.addGrantedQos(MqttQoS.valueOf(qos));
            RetainedHandlingPolicy policy = option.retainHandling();
            if (policy == RetainedHandlingPolicy.SEND_AT_SUBSCRIBE
                    || policy == RetainedHandlingPolicy.SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS && !existed) {
                List<Integer> ids = identifier == 0 ? List.of() : List.of(identifier);
                retainedToSend.add(() -> broker.retained(filter, p -> {
                    if (access.allows(session, p.topic())) {
                        delivery.send(new Delivery.Outgoing(p, Math.min(p.qos(), qos), true, ids));
                    }
                }));
            }
        }
        ctx.writeAndFlush(ack.build());
        retainedToSend.forEach(Runnable::run);
    }

    private void unsubscribe(MqttUnsubscribeMessage message) {
        var ack = MqttMessageBuilders.unsubAck().packetId(message.idAndPropertiesVariableHeader().messageId());
        for (String filter : message.payload().topics()) {
            boolean existed = session.subscriptions().remove(filter) != null;
            ack.addReasonCode(existed ? (short) 0x00 : (short) 0x11);
        }
        ctx.writeAndFlush(ack.build());
    }

    private void disconnect(MqttMessage message) {
        boolean keepWill = message.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                && h.reasonCode() == MqttReasonCodes.Disconnect.DISCONNECT_WITH_WILL_MESSAGE.byteValue();
        if (!keepWill) {
            will = null;
        }
        // MQTT 5 may shorten or lengthen the session's life as it leaves, unless it was to end now
        if (message.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                && h.properties().getProperty(MqttPropertyType.SESSION_EXPIRY_INTERVAL.value()) instanceof IntegerProperty p
                && session.expirySeconds() > 0) {
            session.expirySeconds(Math.min(Integer.toUnsignedLong(p.value()), broker.settings().maxSessionExpirySeconds()));
        }
        disconnected = true;
        ctx.close();
    }

    /**
     * Offers a routed message, delivered as its session's subscriptions match it ({@link Session#match})
     * and the access allows.
     */
    void offer(ClientSession from, Publication message, MqttBroker.ReadAccess access) {
        if (!connected) {
            return;
        }
        Delivery.Outgoing outgoing = session.match(from.clientId(), message);
        if (outgoing != null && access.allows(session, message.topic())) {
            ctx.executor().execute(() -> delivery.send(outgoing));
        }
    }

    /**
     * Another connection took this client id, on the broker's event loop: a persistent session is
     * handed over at once, so that the new connection resumes it, and this one is closed.
     */
    void takenOver() {
        replaced = true;
        keepSession();
        ctx.executor().execute(() -> disconnectWith(MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER));
    }

    private void protocolError(String what) {
        broker.complain("MQTT client {} broke the protocol ({}); disconnected", who(), what);
        disconnectWith(MqttReasonCodes.Disconnect.PROTOCOL_ERROR);
    }

    /** MQTT 5 clients are told why; older ones are just closed, as their protocol has no way to say. */
    private void disconnectWith(MqttReasonCodes.Disconnect reason) {
        if (connected && version == MQTT_5) {
            ctx.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode(reason.byteValue()).build())
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    /**
     * On the event loop: the persistent session as it stands, with what this connection has in
     * flight and queued, to be saved; null if the client has none.
     */
    Session persistentState() {
        return connected && !replaced && session.expirySeconds() > 0 ? session.whileConnected(delivery.inflight(), delivery.queued())
                : null;
    }

    /** A persistent session outlives its connection, with what the connection had not finished. */
    private void keepSession() {
        if (session.expirySeconds() > 0) {
            broker.park(session, delivery);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        if (!connected) {
            return;
        }
        connected = false;
        broker.leave(this);
        if (!replaced && !broker.closing()) {
            keepSession();
        }
        Supplier<Publication> lastWill = will;
        if (lastWill != null && !disconnected && !broker.closing()) {
            Publication message = lastWill.get();
            if (broker.mayPublish(this, message.topic())) {
                broker.route(this, message);
            }
        }
    }
}
