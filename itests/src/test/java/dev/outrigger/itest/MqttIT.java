package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import javax.inject.Inject;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import dev.outrigger.framework.bundles.BundleUpdate;
import dev.outrigger.framework.mqtt.MqttCallbackAdapter;
import dev.outrigger.messaging.Messaging;
import dev.outrigger.outbox.Outbox;
import dev.outrigger.outbox.OutboxException;
import dev.outrigger.outbox.OutboxRecord;

/**
 * The outbox and the mqtt bundle in the runtime against a real mosquitto: order, zero loss across
 * a broker restart, and zero loss while the mqtt and outbox bundles are updated under load.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class MqttIT {

    private static final String ROOT = "it/gw";

    @Inject
    private BundleContext context;
    @Inject
    private ConfigurationAdmin configAdmin;

    private Mosquitto broker;
    private MqttAsyncClient subscriber;
    private final String subscriberId = "it-subscriber-" + System.nanoTime();
    private ServiceTracker<Outbox, Outbox> outboxes;
    private final List<String> received = new CopyOnWriteArrayList<>();

    @Configuration
    public Option[] config() throws IOException {
        return PaxRuntime.options("outrigger-mqtt-it", "core", "mqtt").toArray(Option[]::new);
    }

    /** The test's helpers, and its subscriber's base class, which is private to the mqtt bundle in the runtime. */
    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return PaxRuntime.withHelpers(probe, Mosquitto.class, PahoCallback.class, MqttCallbackAdapter.class);
    }

    @Before
    public void brokerGatewayAndSubscriber() throws Exception {
        Path root = Path.of(System.getProperty("test.root"));
        broker = new Mosquitto(Files.createTempDirectory(root, "broker"), "").start();
        configAdmin.getConfiguration("dev.outrigger.mqtt", "?").update(new Hashtable<>(Map.of(
                "broker", broker.uri(), "root", "it", "gatewayId", "gw", "reconnectMinMillis", 100, "reconnectMaxMillis", 1000)));
        configAdmin.getConfiguration("dev.outrigger.outbox", "?").update(new Hashtable<>(Map.of(
                "file", Files.createTempDirectory(root, "outbox").resolve("outbox.mv.db").toString())));
        outboxes = new ServiceTracker<>(context, Outbox.class, null);
        outboxes.open();

        subscriber = newSubscriber();
        subscriber.connect(subscriberOptions()).waitForCompletion(10_000);
        subscriber.subscribe(new MqttSubscription[] { new MqttSubscription(ROOT + "/data/#", 1) }).waitForCompletion(10_000);
        Await.until("the gateway connected to " + broker.uri(), Duration.ofSeconds(15), () -> {
            Messaging m = messaging();
            return m != null && m.isConnected() && m.topic("x").equals(ROOT + "/x");
        });
    }

    private MqttAsyncClient newSubscriber() throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(broker.uri(), subscriberId, new MemoryPersistence());
        client.setCallback(new PahoCallback(received::add));
        return client;
    }

    /**
     * The observer back on the session the broker kept. A Paho client whose connect timed out stays
     * "connecting" for good (paho.mqtt.java #81), so a second try is made by a new client on the
     * same session; duplicates it receives are counted once.
     */
    private void subscriberBack() throws MqttException {
        try {
            subscriber.connect(subscriberOptions()).waitForCompletion(10_000);
        } catch (MqttException timedOut) {
            subscriber.disconnectForcibly(0, 1000, false);
            subscriber.close(true);
            subscriber = newSubscriber();
            subscriber.connect(subscriberOptions()).waitForCompletion(10_000);
        }
    }

    /** A session the broker keeps for ten minutes, the messages for it too. */
    private static MqttConnectionOptions subscriberOptions() {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(600L);
        return o;
    }

    @After
    public void stop() throws Exception {
        if (subscriber != null) {
            subscriber.disconnectForcibly(1000);
            subscriber.close(true);
        }
        if (outboxes != null) {
            outboxes.close();
        }
        broker.close();
    }

    @Test
    public void recordsArriveInOrderAndLeaveTheOutboxOnlyOnceAcknowledged() throws Exception {
        List<OutboxRecord> batch = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            batch.add(OutboxRecord.of("data/order", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            if (batch.size() == 100) {
                outboxes.getService().appendAll(batch);
                batch.clear();
            }
        }
        Await.until("2,000 records at the subscriber", Duration.ofSeconds(30), () -> received.size() >= 2_000);
        for (int i = 0; i < 2_000; i++) {
            assertEquals("in order", Integer.toString(i), received.get(i));
        }
        Await.until("an empty outbox", Duration.ofSeconds(5), () -> outboxes.getService().stats().depth() == 0);
        assertEquals(2_000, outboxes.getService().stats().delivered());
    }

    @Test
    public void aBrokerRestartMidStreamLosesNothing() throws Exception {
        Producer producer = new Producer(4_000).begin();
        Await.until("a first part delivered", Duration.ofSeconds(10), () -> received.size() > 500);
        // the observer leaves and comes back on its own terms, its session kept by the broker: what is
        // tested is the gateway's way back, not Paho's automatic reconnect
        subscriber.disconnect().waitForCompletion(10_000);
        broker.stop();
        Await.until("the gateway noticed", Duration.ofSeconds(10), () -> !messaging().isConnected());
        Await.until("records piling up in the outbox", Duration.ofSeconds(10), () -> outboxes.getService().stats().depth() > 500);
        String metrics = mqttMetrics();
        assertTrue("nothing in flight without a connection: " + metrics, metrics.contains("\noutrigger_mqtt_inflight 0\n"));
        broker.start();
        subscriberBack();
        producer.join();
        try {
            Await.until("every record delivered after the restart", Duration.ofSeconds(30),
                    () -> unique().size() == 4_000);
        } catch (AssertionError e) {
            // no cause: Pax Exam would report that instead, without the state
            throw new AssertionError(e.getMessage() + "; " + state());
        }
    }

    @Test
    public void updatingTheMqttAndOutboxBundlesUnderLoadLosesNothing() throws Exception {
        Producer producer = new Producer(5_000).begin();
        Await.until("records flowing", Duration.ofSeconds(10), () -> received.size() > 500);
        BundleUpdate.update(PaxRuntime.bundleNamed(context, "dev.outrigger.mqtt"), Optional.empty());
        Await.until("more records after the mqtt update", Duration.ofSeconds(20), () -> received.size() > 2_000);
        BundleUpdate.update(PaxRuntime.bundleNamed(context, "dev.outrigger.outbox"), Optional.empty());
        producer.join();
        Await.until("every record delivered", Duration.ofSeconds(30), () -> unique().size() == 5_000);
        // and nothing stays behind in the outbox that came back
        Await.until("an empty outbox", Duration.ofSeconds(5), () -> outboxes.getService().stats().depth() == 0);
    }

    /**
     * Paho's connecting thread waits without end (deaf to interrupts) for reader and writer threads
     * that already ended: a connection closed as soon as it is accepted (a proxy before a broker that
     * is down) must not leave one behind per attempt.
     */
    @Test
    public void aConnectionClosedAsSoonAsAcceptedLeavesNoThreadBehind() throws Exception {
        try (ServerSocket hangsUp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger attempts = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!hangsUp.isClosed()) {
                    try (Socket s = hangsUp.accept()) {
                        attempts.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "it-hangs-up");
            acceptor.start();
            configAdmin.getConfiguration("dev.outrigger.mqtt", "?").update(new Hashtable<>(Map.of("broker",
                    "tcp://127.0.0.1:" + hangsUp.getLocalPort(), "root", "it", "gatewayId", "gw", "reconnectMinMillis", 100,
                    "reconnectMaxMillis", 200)));
            Await.until("four attempts hung up on", Duration.ofSeconds(30), () -> attempts.get() >= 4);
            assertTrue("at most the attempt under way connecting: " + connectingThreads(), connectingThreads().size() <= 1);
        }
        configAdmin.getConfiguration("dev.outrigger.mqtt", "?").update(new Hashtable<>(Map.of(
                "broker", broker.uri(), "root", "it", "gatewayId", "gw", "reconnectMinMillis", 100, "reconnectMaxMillis", 1000)));
        Await.until("connected again", Duration.ofSeconds(15), () -> messaging() != null && messaging().isConnected());
        Await.until("no connecting thread left", Duration.ofSeconds(10), () -> connectingThreads().isEmpty());
    }

    /** Paho's threads that connect the gateway's client, named after its client id. */
    private static List<Thread> connectingThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("MQTT Con: outrigger-gw")).toList();
    }

    /** Enough to tell a stalled drain from records lost on the way: the outbox, the gateway's counts, the subscriber's. */
    private String state() throws Exception {
        return "gateway connected " + messaging().isConnected() + ", subscriber connected " + subscriber.isConnected()
                + ", outbox " + outboxes.getService().stats() + ", received " + received.size() + " (" + unique().size() + " unique)"
                + ", gateway metrics: " + mqttMetrics().replace('\n', ' ');
    }

    private Set<String> unique() {
        return new HashSet<>(received);
    }

    /** What the mqtt bundle adds to the runtime's /metrics. */
    private String mqttMetrics() throws Exception {
        for (var ref : context.getServiceReferences(dev.outrigger.health.MetricSource.class, null)) {
            if (ref.getBundle().getSymbolicName().equals("dev.outrigger.mqtt")) {
                return context.getService(ref).metrics();
            }
        }
        throw new AssertionError("the mqtt bundle offers no metrics");
    }

    private Messaging messaging() {
        var ref = context.getServiceReference(Messaging.class);
        return ref == null ? null : context.getService(ref);
    }

    /**
     * Appends {@code count} records at about 1,000 per second, each until it is accepted: while the
     * outbox is being replaced, a producer waits and retries, as Outrigger's own producers do.
     */
    private final class Producer extends Thread {
        final int count;

        Producer(int count) {
            super("it-producer");
            this.count = count;
        }

        Producer begin() {
            start();
            return this;
        }

        @Override
        public void run() {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                OutboxRecord r = OutboxRecord.of("data/load", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                while (true) {
                    Outbox outbox = outboxes.getService();
                    try {
                        if (outbox != null) {
                            outbox.append(r);
                            break;
                        }
                    } catch (OutboxException | RuntimeException e) {
                        // closed underneath us by an update: the record was not accepted, retry
                    }
                    LockSupport.parkNanos(5_000_000L);
                }
                long due = start + (i + 1) * 1_000_000L; // 1,000 per second
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }
    }
}
