package dev.outrigger.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.mqtt.MqttCallbackAdapter;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;
import dev.outrigger.tls.PemTls;

/**
 * The gateway's one MQTT 5 connection. Connects with a last will ({@code <root>/<gw>/status} =
 * offline, retained), announces itself online on every connect, reconnects with exponential
 * backoff and jitter, and restores subscriptions after each reconnect. Paho keeps nothing of its
 * own: what must survive lives in the outbox.
 */
@Component(service = { Messaging.class, MqttConnection.class }, configurationPid = MqttConnection.PID)
@Designate(ocd = MqttConfig.class)
public class MqttConnection implements Messaging {

    static final String PID = "dev.outrigger.mqtt";
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final long HEALTH_CHECK_SECONDS = 5;
    /** Beyond the TCP connection's timeout, for the broker's CONNACK: a host that does not answer at all is said as Paho says it. */
    private static final int ANSWER_EXTRA_SECONDS = 5;
    /** MQTT 5: a broker whose CONNACK names no Receive Maximum takes this many unacknowledged. */
    private static final int RECEIVE_MAXIMUM_UNSAID = 65_535;
    /** A connection that lasted this long was fine: losing it starts the backoff afresh. */
    private static final long STABLE_MILLIS = 10_000;
    /** How long deactivation waits for an attempt under way to end once its socket is closed: the settling second, and Paho's end. */
    private static final long ATTEMPT_END_MILLIS = 2_000;

    private Subscriptions subscriptions;
    private final List<Runnable> onConnect = new CopyOnWriteArrayList<>();
    private final Traffic traffic = new Traffic();
    /** Set by SCR; on its own (tests, benchmarks), a health without sources. */
    @Reference
    private GatewayHealth health = new GatewayHealth();
    /** Whether the broker refused the last status, as said in the log. */
    private volatile boolean statusRefused;
    /** The health last published, so that the status is republished when it changes, and only then. */
    private volatile Map<String, Object> publishedHealth = Map.of();
    private MqttConfig config;
    /** {@code <root>/<gw>}. */
    private String root;
    private String gateway;
    /** {@code <root>}, empty when the gateway's topics start at the top. */
    private String fleetRoot;
    private String version;
    private MqttAsyncClient client;
    private ScheduledExecutorService reconnects;
    private volatile boolean running;
    private volatile String lastError = "";
    private volatile long connectedSince;
    /** The same moment on the running time: a clock set at boot (a Pi without RTC) must not make a connection look stable. */
    private volatile long connectedAtNanos;
    /** Connections made, the last one lost and when ({@link System#nanoTime()}), the last one that acknowledged a publication. */
    private volatile long connectionNumber;
    private volatile long lostConnection;
    private volatile long lostAtNanos;
    private volatile long acknowledgingConnection;
    private volatile int attempts;
    /** The largest packet the broker takes, as its CONNACK said (MQTT 5); unlimited if it said nothing. */
    private volatile long maxPacketBytes = Long.MAX_VALUE;
    /**
     * Whether the last will is retained. A broker that keeps no retained messages (mosquitto's
     * {@code retain_available false}) refuses a CONNECT whose will is, and says so in its CONNACK: the
     * next will is not. Publications Paho sends without retain to a broker whose CONNACK says so.
     */
    private volatile boolean willRetained = true;
    /** The keep-alive a broker asked for, once said in the log. */
    private volatile int keepAliveSaid;
    /** QoS 1 and 2 publications beyond the broker's Receive Maximum wait here rather than fail. */
    private final SendWindow window = new SendWindow();
    /** What the last connection failure logged said: the same again is not logged again. */
    private volatile String logged = "";
    /** Why the connection last ended right after it was made, counted: another reason is said at once. */
    private volatile String flappedBecause = "";
    private volatile OncePerMinute flapping = new OncePerMinute();
    private final AtomicBoolean attempting = new AtomicBoolean();
    private volatile long attemptStarted;
    /** The sockets of the attempt under way, which a stop closes to end it. */
    private volatile AttemptSockets attemptSockets = new AttemptSockets();
    /** Counted down when Paho reports the end of the attempt under way. */
    private volatile CountDownLatch attemptReported = new CountDownLatch(0);
    /** Deactivated while an attempt went on: its end closes the client. */
    private volatile boolean abandoned;

    @Activate
    void activate(MqttConfig config) throws MqttException {
        this.config = config;
        this.gateway = gatewayId(config);
        this.fleetRoot = config.root();
        this.root = fleetRoot.isEmpty() ? gateway : fleetRoot + "/" + gateway;
        this.version = FrameworkUtil.getBundle(getClass()) == null ? "dev"
                : FrameworkUtil.getBundle(getClass()).getVersion().toString();
        this.subscriptions = new Subscriptions(config.broker(), duration(offerAgainMillis()),
                () -> isConnected() ? Optional.of(client) : Optional.empty());
        Optional<String> unusable = MqttSettingsCheck.unusable(config);
        if (unusable.isPresent()) {
            // active without a client: the services that need the connection wait, as when it is down
            lastError = unusable.get();
            LOG.error("MQTT: {}; nothing is sent until etc/dev.outrigger.mqtt.cfg is corrected, the outbox keeps every record",
                    lastError);
            return;
        }
        String clientId = config.clientId().isEmpty() ? "outrigger-" + gateway : config.clientId();
        client = new MqttAsyncClient(config.broker(), clientId, new MemoryPersistence());
        client.setCallback(new Callback());
        reconnects = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-mqtt-connect"));
        running = true;
        reconnects.execute(this::connect);
        reconnects.scheduleWithFixedDelay(this::republishIfHealthChanged, HEALTH_CHECK_SECONDS, HEALTH_CHECK_SECONDS,
                TimeUnit.SECONDS);
        reconnects.scheduleWithFixedDelay(this::ensureConnected, config.reconnectMaxMillis(), config.reconnectMaxMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("MQTT: connecting to {} as {} below {}", config.broker(), clientId, root);
    }

    @Deactivate
    void deactivate() {
        running = false;
        if (client == null) {
            return;
        }
        reconnects.shutdownNow();
        try {
            // no attempt starts after this one returns
            reconnects.awaitTermination(2, TimeUnit.SECONDS);
            // one under way (a stop while the runtime comes up, a broker slow to answer) runs Paho's
            // classes until it ends, which must be before Paho's bundle goes: it is ended at its
            // socket; one that takes longer still is left to end by itself
            if (attempting.get()) {
                attemptSockets.close();
                if (!attemptReported.await(ATTEMPT_END_MILLIS, TimeUnit.MILLISECONDS)) {
                    abandoned = true;
                }
            }
        } catch (InterruptedException e) {
            abandoned = true;
            Thread.currentThread().interrupt();
        }
        try {
            if (client.isConnected()) {
                publishOffline();
                client.disconnect(1_000).waitForCompletion(2_000);
            }
        } catch (MqttException e) {
            LOG.debug("MQTT: disconnecting: {}", e.getMessage());
        } finally {
            window.close("stopped");
            try {
                client.close(true);
            } catch (MqttException e) {
                // an attempt that did not end with its socket: Paho closes no client until it
                // ends, and retireIfAbandoned() then closes the client
                LOG.debug("MQTT: closing: {}", e.getMessage());
            }
        }
    }

    /** A clean stop says so at once, rather than by the last will a keep-alive later; a second at most. */
    private void publishOffline() {
        try {
            publish(statusMessage("offline")).toCompletableFuture().get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("MQTT: offline status not published: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The end of an attempt that outlived this component: a client that connected after all would
     * live on beside the new one, as a second connection of the gateway. Off Paho's callback thread,
     * which the disconnect needs.
     */
    private void retireIfAbandoned() {
        if (!abandoned) {
            return; // deactivate saw the attempt end, and closes the client itself
        }
        Daemons.start("outrigger-mqtt-retire", () -> {
            try {
                if (client.isConnected()) {
                    client.disconnect(1_000).waitForCompletion(2_000);
                }
                client.close(true);
            } catch (MqttException e) {
                LOG.debug("MQTT: closing after the attempt: {}", e.getMessage());
            }
        });
    }

    /** Starts one connection attempt, unless one is under way or the client is connected. */
    private void connect() {
        if (!running || client.isConnected() || !attempting.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        attemptStarted = started;
        try {
            // the watchdog first: a stop under way refuses it, and then no attempt starts that
            // deactivate would not know of, to live on after it as a second connection
            reconnects.schedule(() -> abandonIfUnanswered(started), answerTimeoutSeconds(), TimeUnit.SECONDS);
        } catch (RejectedExecutionException stopping) {
            attempting.set(false);
            return;
        }
        try {
            CountDownLatch reported = new CountDownLatch(1);
            attemptReported = reported;
            AttemptSockets sockets = new AttemptSockets();
            attemptSockets = sockets;
            client.connect(options(sockets), null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    attempting.set(false);
                    reported.countDown();
                    if (!running) {
                        retireIfAbandoned();
                        return;
                    }
                    traffic.connects.increment();
                    MqttProperties announced = token.getResponseProperties();
                    maxPacketBytes = announced == null || announced.getMaximumPacketSize() == null ? Long.MAX_VALUE
                            : announced.getMaximumPacketSize();
                    window.open(announced == null || announced.getReceiveMaximum() == null ? RECEIVE_MAXIMUM_UNSAID
                            : announced.getReceiveMaximum());
                    willRetained = announced == null || !Boolean.FALSE.equals(announced.isRetainAvailable());
                    if (announced != null && announced.getServerKeepAlive() != null
                            && announced.getServerKeepAlive() < config.keepAliveSeconds()) {
                        pingWithin(announced.getServerKeepAlive());
                    }
                    connected();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    reported.countDown();
                    if (!running) {
                        retireIfAbandoned();
                        return;
                    }
                    failed(started, ConnectionFailures.attempt(e, tls()), unretainWillFor(e));
                }
            });
        } catch (MqttException | IOException | java.security.GeneralSecurityException | RuntimeException e) {
            attempting.set(false);
            traffic.connectFailures.increment();
            retry("cannot connect to " + config.broker() + ": " + ConnectionFailures.message(e));
        } catch (LinkageError e) { // a library missing or on its way out: said, and tried again, not an attempt ended unheard
            attempting.set(false);
            traffic.connectFailures.increment();
            retry("cannot connect to " + config.broker() + ": " + e);
        }
    }

    /**
     * Paho's connection timeout covers the TCP connect only: a server that accepts the connection
     * and never answers the CONNECT (not a broker) would hold the attempt for ever.
     */
    private void abandonIfUnanswered(long started) {
        if (attemptStarted == started && attempting.get() && !client.isConnected()) {
            try {
                // Paho then reports nothing for the attempt: it is ended here
                client.disconnectForcibly(0, 1_000, false);
            } catch (MqttException e) {
                LOG.debug("MQTT: abandoning the attempt: {}", e.getMessage());
            }
            failed(started, "no MQTT answer within " + answerTimeoutSeconds() + " s (is that a broker's port?)", false);
        }
    }

    private int answerTimeoutSeconds() {
        return config.connectTimeoutSeconds() + ANSWER_EXTRA_SECONDS;
    }

    /** Ends the attempt begun at {@code started} as failed, unless it ended already; logged unless {@code said} already. */
    private void failed(long started, String why, boolean said) {
        if (attemptStarted == started && attempting.compareAndSet(true, false)) {
            traffic.connectFailures.increment();
            String failure = "cannot connect to " + config.broker() + ": " + why;
            if (said) {
                retryQuietly(failure);
            } else {
                retry(failure);
            }
        }
    }

    /**
     * The safety net: whatever Paho did or did not report, a disconnected client with no attempt
     * under way (or one stuck past its timeout) gets a new attempt.
     */
    private void ensureConnected() {
        if (running && client.isConnected()) {
            subscriptions.askAgainRefused(client);
        } else if (running) {
            if (attempting.get() && System.nanoTime() - attemptStarted > TimeUnit.SECONDS.toNanos(2L * answerTimeoutSeconds())) {
                attempting.set(false);
            }
            connect();
        }
    }

    private void connected() {
        connectedSince = System.currentTimeMillis();
        connectedAtNanos = System.nanoTime();
        connectionNumber++;
        lastError = "";
        LOG.info("MQTT: connected to {}", config.broker());
        try {
            // subscribed first: the broker handles a connection's packets in order, so a fleet tool
            // that waits for "online" after a reconnect is heard when it sends its requests
            subscriptions.restore(client);
        } catch (MqttException e) {
            LOG.warn("MQTT: after connecting: {}", ConnectionFailures.message(e));
        }
        publishStatus();
        onConnect.forEach(Runnable::run);
    }

    /** Exponential backoff with full jitter; the same failure is logged once, not on every attempt. */
    private void retry(String why) {
        if (running && !why.equals(logged)) {
            LOG.warn("MQTT: {}; retrying with backoff up to {}", why, backoffCeiling());
            logged = why;
        }
        retryQuietly(why);
    }

    private String backoffCeiling() {
        return duration(config.reconnectMaxMillis());
    }

    /** As people say it: "60 s", or "200 ms" below a second. */
    static String duration(long millis) {
        return millis < 1000 ? millis + " ms" : millis / 1000 + " s";
    }

    private void retryQuietly(String why) {
        if (!running) {
            return;
        }
        lastError = why;
        long ceiling = Math.min(config.reconnectMaxMillis(), config.reconnectMinMillis() * (1L << Math.min(attempts++, 20)));
        long delay = config.reconnectMinMillis() / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling));
        try {
            reconnects.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // deactivated
        }
    }

    /**
     * The broker asked in its CONNACK for pings more often than keepAliveSeconds (it drops a connection
     * silent for one and a half times its keep-alive). Paho takes its word, but has timed its first ping
     * by keepAliveSeconds, after the broker would have dropped the connection: a check now has it time the
     * next ping by the broker's keep-alive.
     */
    private void pingWithin(int seconds) {
        if (keepAliveSaid != seconds) {
            keepAliveSaid = seconds;
            LOG.info("MQTT: {} asks for a ping every {} s (keepAliveSeconds is {}): pinging that often", config.broker(),
                    seconds, config.keepAliveSeconds());
        }
        try {
            client.checkPing(null, null);
        } catch (MqttException e) {
            LOG.debug("MQTT: timing the next ping: {}", e.getMessage());
        }
    }

    /** A CONNECT refused for its retained will: the next will is not retained. Whether that was so (and said). */
    private boolean unretainWillFor(Throwable refusal) {
        if (willRetained && refusal instanceof MqttException e && e.getReasonCode() == MqttReturnCode.RETURN_CODE_RETAIN_NOT_SUPPORTED) {
            willRetained = false;
            LOG.warn("MQTT: {} keeps no retained messages: the status (the last will too), the device inventory and GPS "
                    + "fixes go without retain, so a subscriber hears them when they are next sent", config.broker());
            return true;
        }
        return false;
    }

    private MqttConnectionOptions options(AttemptSockets sockets) throws IOException, java.security.GeneralSecurityException {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setAutomaticReconnect(false);
        o.setKeepAliveInterval(config.keepAliveSeconds());
        o.setConnectionTimeout(config.connectTimeoutSeconds());
        MqttMessage will = status("offline");
        will.setRetained(willRetained);
        o.setWill(topic("status"), will);
        if (!config.username().isEmpty()) {
            o.setUserName(config.username());
            password().ifPresent(p -> o.setPassword(p.getBytes(StandardCharsets.UTF_8)));
        }
        if (tls()) {
            o.setSocketFactory(new SettlingTlsSocketFactory(
                    PemTls.context(config.caFile(), config.certFile(), config.keyFile()).getSocketFactory(), sockets));
        } else {
            o.setSocketFactory(new SettlingSocketFactory(sockets));
        }
        return o;
    }

    private boolean tls() {
        return config.broker().startsWith("ssl://") || config.broker().startsWith("wss://");
    }

    /** From a file (a Kubernetes Secret) or an environment variable; never from the configuration itself. */
    private Optional<String> password() throws IOException {
        if (!config.passwordFile().isEmpty()) {
            return Optional.of(Files.readString(Path.of(config.passwordFile())).strip());
        }
        if (!config.passwordEnv().isEmpty()) {
            return Optional.ofNullable(System.getenv(config.passwordEnv()));
        }
        return Optional.empty();
    }

    private MqttMessage status(String state) {
        Map<String, Object> summary = "online".equals(state) ? health.summary() : Map.of();
        if (!summary.isEmpty()) {
            publishedHealth = summary;
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", state);
        status.put("version", version);
        status.put("time", System.currentTimeMillis());
        if (!summary.isEmpty()) {
            status.put("health", summary);
        }
        return new MqttMessage(Json.bytes(status), 1, true, null);
    }

    /** The retained status follows the health (radio sessions, a full outbox) within seconds. */
    private void republishIfHealthChanged() {
        try {
            if (isConnected() && !GatewayHealth.states(health.summary()).equals(GatewayHealth.states(publishedHealth))) {
                publishStatus();
            }
        } catch (RuntimeException e) {
            LOG.debug("MQTT: status not republished: {}", e.getMessage());
        }
    }

    /** The retained online status; if it does not go out, the next look at the health sends it again. */
    private void publishStatus() {
        publish(statusMessage("online")).whenComplete((ok, e) -> {
            if (e instanceof RefusedException refused && !statusRefused) {
                statusRefused = true;
                LOG.warn("MQTT: {} refused the gateway's status on {}: {}; fleet tools do not see it online{}", config.broker(),
                        topic("status"), refused.getMessage(), refused.code == MqttReturnCode.RETURN_CODE_NOT_AUTHORIZED
                                ? " (the broker's ACL must let this client publish below " + root + "/)" : "");
            } else if (e == null && statusRefused) {
                statusRefused = false;
                LOG.info("MQTT: {} takes the gateway's status again", config.broker());
            }
            if (e != null) {
                publishedHealth = Map.of(); // published again with the next health check
                LOG.debug("MQTT: status not published: {}", e.getMessage());
            }
        });
    }

    private Message statusMessage(String state) {
        MqttMessage m = status(state);
        return new Message(topic("status"), m.getPayload(), m.getQos(), m.isRetained(), Optional.empty(), Optional.empty());
    }

    /** Runs on every (re)connect, after subscriptions were restored and the status went out. */
    void onConnect(Runnable action) {
        onConnect.add(action);
    }

    void removeOnConnect(Runnable action) {
        onConnect.remove(action);
    }

    @Override
    public String topic(String relative) {
        return root + "/" + relative;
    }

    @Override
    public String gatewayId() {
        return gateway;
    }

    @Override
    public String fleetTopic(String relative) {
        return fleetRoot.isEmpty() ? relative : fleetRoot + "/" + relative;
    }

    /** A record the broker will not take, dropped. */
    void countRefused() {
        traffic.refused.increment();
    }

    /**
     * When the last connection was lost, by {@link System#nanoTime()}, if the broker had acknowledged a
     * publication on it (the status it begins with): a broker that took what came before. Asked once
     * connected again, when Paho has long reported the acknowledgements of the lost connection.
     */
    OptionalLong lostAfterAnAcknowledgementAt() {
        return acknowledgingConnection == lostConnection ? OptionalLong.of(lostAtNanos) : OptionalLong.empty();
    }

    /** Connected, and its flow-control window open: Paho says connected a moment before a publication can go. */
    @Override
    public boolean isConnected() {
        return client != null && client.isConnected() && window.size() > 0;
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (client == null) {
            traffic.failed.increment();
            done.completeExceptionally(new IllegalStateException("not connected: " + lastError));
            return done;
        }
        try {
            MqttProperties properties = new MqttProperties();
            message.responseTopic().ifPresent(properties::setResponseTopic);
            message.correlationData().ifPresent(properties::setCorrelationData);
            MqttMessage m = new MqttMessage(message.payload(), message.qos(), message.retained(), properties);
            long size = PublishPackets.size(message);
            if (size > maxPacketBytes) {
                traffic.refused.increment();
                done.completeExceptionally(new RefusedException("too large for the broker (a " + size
                        + "-byte packet; it takes at most " + maxPacketBytes + ")", RefusedException.TOO_LARGE));
                return done;
            }
            long on = connectionNumber;
            if (message.qos() == 0) { // outside the broker's flow control
                client.publish(message.topic(), m, null, settledBy(() -> { }, done, on));
            } else {
                window.submit(settled -> client.publish(message.topic(), m, null, settledBy(settled, done, on)), e -> {
                    traffic.failed.increment();
                    done.completeExceptionally(e);
                });
            }
        } catch (MqttException | RuntimeException e) {
            traffic.failed.increment();
            done.completeExceptionally(e);
        }
        return done;
    }

    /** What the broker said of a publication completes {@code done}, once {@code settled} has freed its place. */
    private MqttActionListener settledBy(Runnable settled, CompletableFuture<Void> done, long on) {
        return new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
                settled.run();
                int[] codes = token.getReasonCodes();
                if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
                    traffic.refused.increment();
                    done.completeExceptionally(
                            new RefusedException("the broker refused it (" + ReasonCodes.inWords(codes[0]) + ")", codes[0]));
                } else {
                    traffic.published.increment();
                    acknowledgingConnection = on;
                    done.complete(null);
                }
            }

            @Override
            public void onFailure(IMqttToken token, Throwable e) {
                settled.run();
                traffic.failed.increment();
                done.completeExceptionally(e);
            }
        };
    }

    @Override
    public AutoCloseable subscribe(String filter, int qos, Consumer<Message> handler) {
        return subscriptions.add(filter, qos, handler);
    }

    /** Filters the broker refused, with why. */
    Map<String, String> refusedSubscriptions() {
        return subscriptions.refused();
    }

    /**
     * A publication the broker did not take: it answered with an MQTT 5 failure reason code, or the
     * packet is larger than the maximum it announced (it would end the connection over it).
     */
    static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        /** For a packet over the broker's maximum, which is not sent at all. */
        static final int TOO_LARGE = -1;
        /** The broker's reason code. */
        final int code;

        RefusedException(String why, int code) {
            super(why);
            this.code = code;
        }

        /** Whether the broker may take it later (its ACL changed, a quota passed); otherwise never. */
        boolean mayPass() {
            return ReasonCodes.mayPass(code);
        }
    }

    /** How often what the broker refused for now (a subscription, a record) is offered again. */
    long offerAgainMillis() {
        return config.reconnectMaxMillis();
    }

    private final class Callback extends MqttCallbackAdapter {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            lostAtNanos = System.nanoTime();
            lostConnection = connectionNumber;
            window.close("connection lost");
            boolean stable = System.nanoTime() - connectedAtNanos >= TimeUnit.MILLISECONDS.toNanos(STABLE_MILLIS);
            connectedSince = 0;
            traffic.lost.increment();
            String why = "connection to " + config.broker() + " lost: " + (response.getException() != null
                    ? ConnectionFailures.message(response.getException())
                    : ConnectionFailures.disconnect(response, client.getClientId()));
            if (stable) {
                attempts = 0;
                logged = "";
                retry(why);
            } else {
                // ended again right after it was made (a broker that drops this client over something it
                // sends): the backoff keeps growing, and the log says so once a minute, or at once for a new reason
                if (!why.equals(flappedBecause)) {
                    flappedBecause = why;
                    flapping = new OncePerMinute();
                }
                flapping.occurred(n -> LOG.warn("MQTT: {}, {} time(s) within {} s of connecting since the last such line; "
                        + "retrying with backoff up to {}", why, n, STABLE_MILLIS / 1000, backoffCeiling()));
                retryQuietly(why);
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            lastError = ConnectionFailures.message(e);
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            traffic.received.increment();
            MqttProperties p = m.getProperties();
            Message message = new Message(topic, m.getPayload(), m.getQos(), m.isRetained(),
                    Optional.ofNullable(p == null ? null : p.getResponseTopic()),
                    Optional.ofNullable(p == null ? null : p.getCorrelationData()));
            subscriptions.deliver(message);
        }
    }

    String broker() {
        return config.broker();
    }

    String lastError() {
        return lastError;
    }

    long connectedSince() {
        return connectedSince;
    }

    Traffic traffic() {
        return traffic;
    }

    /**
     * Publications awaiting the broker's acknowledgement on this connection. None without one: the
     * outbox sends them again, and Paho's count is left over then (even below zero).
     */
    int inflight() {
        MqttAsyncClient c = client;
        return c == null || !c.isConnected() ? 0 : Math.max(0, c.getInFlightMessageCount());
    }

    /** The broker's flow control: how many it takes unacknowledged (0 while disconnected), and how many wait for room. */
    record Window(int size, int waiting) {
    }

    Window window() {
        return new Window(window.size(), window.waiting());
    }

    static String gatewayId(MqttConfig config) {
        String id = config.gatewayId();
        if (id.isEmpty()) {
            try {
                id = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                id = System.getenv().getOrDefault("HOSTNAME", "gateway");
            }
        }
        return id.replaceAll("[/+#\\s]", "_");
    }
}
