package dev.outrigger.broker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.mqtt.MqttCallbackAdapter;
import dev.outrigger.tls.PemTls;
import dev.outrigger.tls.TestCertificates;

/** The broker against real clients: Paho's MQTT 5 client and mosquitto's 3.1.1 / 5 command-line clients. */
public class MqttBrokerTest {

    private static final int MAX_PACKET = 4096;
    private static final int MAX_RETAINED = 10_000;

    private MqttBroker broker;
    /** Where the broker keeps retained messages and sessions, in the tests that restart it on a file. */
    private BrokerStore store = BrokerStore.none();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @Before
    public void start() {
        broker = new MqttBroker(settings(0, MqttBroker.Access.OPEN), BrokerStore.none());
        broker.start();
        await("listening", () -> broker.address() != null);
    }

    private static MqttBroker.Settings settings(int port, MqttBroker.Access access) {
        return new MqttBroker.Settings("127.0.0.1", port, 8, MAX_PACKET, 1000, MAX_RETAINED, 3600, 1, access);
    }

    /** The broker again, with other access settings, listening once this returns. */
    private void restart(MqttBroker.Access access) {
        broker.close();
        broker = new MqttBroker(settings(0, access), BrokerStore.none());
        broker.start();
        await("listening", () -> broker.address() != null);
    }

    /** A file for the broker's store, deleted after the test. */
    private Path storeFile() throws IOException {
        Path folder = Files.createTempDirectory("broker-store");
        cleanup.add(() -> run("rm", "-rf", folder.toString()));
        return folder.resolve("broker.mv.db");
    }

    /** The broker stopped and started again on the store in the file, as when the gateway restarts. */
    private void restartOn(Path file) {
        broker.close();
        store.close();
        store = BrokerStore.open(file);
        broker = new MqttBroker(settings(0, MqttBroker.Access.OPEN), store);
        broker.start();
        await("listening", () -> broker.address() != null);
    }

    @After
    public void stop() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
        broker.close();
        store.close();
    }

    @Test
    public void requestsReachTheResponderInOrderWithTheirMqtt5Properties() throws Exception {
        Client responder = subscriber("responder", "gw/config/#", 1);
        Client requester = client("requester");
        for (int i = 0; i < 500; i++) {
            MqttProperties properties = new MqttProperties();
            properties.setResponseTopic("gw/reply/" + i);
            properties.setCorrelationData(new byte[] { (byte) i, 42 });
            properties.setContentType("application/json");
            properties.setUserProperties(List.of(new UserProperty("via", "test")));
            requester.paho.publish("gw/config/set", new MqttMessage(("{\"n\":" + i + "}").getBytes(UTF_8), 1, false, properties));
        }
        for (int i = 0; i < 500; i++) {
            Received r = responder.next();
            assertEquals("gw/config/set", r.topic);
            assertEquals("{\"n\":" + i + "}", r.text());
            MqttProperties p = r.message.getProperties();
            assertEquals("gw/reply/" + i, p.getResponseTopic());
            assertArrayEquals(new byte[] { (byte) i, 42 }, p.getCorrelationData());
            assertEquals("application/json", p.getContentType());
            assertEquals(List.of(new UserProperty("via", "test")), p.getUserProperties());
            assertEquals(1, r.message.getQos());
        }
    }

    @Test
    public void retainedMessagesGoToLaterSubscribersUntilCleared() throws Exception {
        Client gateway = client("gateway");
        gateway.paho.publish("gw/status", "online".getBytes(UTF_8), 1, true);

        Client first = subscriber("first", "gw/+", 1);
        Received status = first.next();
        assertEquals("online", status.text());
        assertTrue("sent because retained, so flagged retained", status.message.isRetained());

        gateway.paho.publish("gw/status", new byte[0], 1, true);
        assertEquals("", first.next().text()); // the clearing message itself still goes to subscribers

        Client second = subscriber("second", "gw/+", 1);
        gateway.paho.publish("gw/marker", "after".getBytes(UTF_8), 1, false);
        assertEquals("nothing retained is left before the marker", "gw/marker", second.next().topic);
    }

    @Test
    public void retainedMessagesOutliveARestartWithTheirPropertiesAndWhatIsLeftOfTheirExpiry() throws Exception {
        Path file = storeFile();
        restartOn(file);

        // what zigbee2mqtt leaves for Home Assistant: discovery configs and last states
        Client z2m = client("zigbee2mqtt");
        MqttProperties discovery = new MqttProperties();
        discovery.setContentType("application/json");
        discovery.setCorrelationData(new byte[] { 1, 2 });
        discovery.setUserProperties(List.of(new UserProperty("origin", "z2m")));
        z2m.paho.publish("homeassistant/light/0x1/config", new MqttMessage("{\"name\":\"lamp\"}".getBytes(UTF_8), 1, true, discovery));
        MqttProperties expiring = new MqttProperties();
        expiring.setMessageExpiryInterval(3600L);
        z2m.paho.publish("zigbee2mqtt/lamp", new MqttMessage("{\"state\":\"ON\"}".getBytes(UTF_8), 1, true, expiring));
        z2m.paho.publish("zigbee2mqtt/removed", "x".getBytes(UTF_8), 1, true);
        z2m.paho.publish("zigbee2mqtt/removed", new byte[0], 1, true);

        // the gateway stops and starts again
        restartOn(file);
        Client ha = subscriber("homeassistant", "#", 1);
        client("marker").paho.publish("marker", new byte[0], 1, false);
        List<Received> retained = new ArrayList<>();
        for (Received r = ha.next(); !r.topic.equals("marker"); r = ha.next()) {
            retained.add(r);
        }
        retained.sort((a, b) -> a.topic.compareTo(b.topic));
        assertEquals(2, retained.size());
        Received config = retained.get(0);
        assertEquals("homeassistant/light/0x1/config", config.topic);
        assertEquals("{\"name\":\"lamp\"}", config.text());
        assertTrue(config.message.isRetained());
        assertEquals("application/json", config.message.getProperties().getContentType());
        assertArrayEquals(new byte[] { 1, 2 }, config.message.getProperties().getCorrelationData());
        assertEquals(List.of(new UserProperty("origin", "z2m")), config.message.getProperties().getUserProperties());
        Received lamp = retained.get(1);
        assertEquals("zigbee2mqtt/lamp", lamp.topic);
        long left = lamp.message.getProperties().getMessageExpiryInterval();
        assertTrue("the expiry counted down across the restart: " + left, left >= 3500 && left <= 3600);
    }

    @Test
    public void persistentSessionsOutliveARestartWithTheMessagesTheirClientsHadNotReceived() throws Exception {
        Path file = storeFile();
        restartOn(file);

        // one client away when the gateway stops, one connected
        awayAndConnected(5);

        restartOn(file);
        assertEquals("both sessions back", 2, broker.keptSessions().sessions());
        client("gateway-again").paho.publish("gw/after", "restart".getBytes(UTF_8), 1, false);

        Client awayBack = persistentClient("away");
        assertTrue("its session resumed", awayBack.sessionPresent);
        for (int i = 0; i < 5; i++) {
            assertEquals("what waited, in order", String.valueOf(i), awayBack.next().text());
        }
        assertEquals("and what came after the restart, without subscribing again", "gw/after", awayBack.next().topic);
        Client connectedBack = persistentClient("connected");
        assertTrue("its session resumed", connectedBack.sessionPresent);
        assertEquals("gw/after", connectedBack.next().topic);
    }

    /**
     * Two persistent sessions on gw/#: of "away", whose client left, with the messages waiting for
     * it, and of "connected", whose client received and acknowledged them.
     */
    private void awayAndConnected(int messages) throws Exception {
        Client away = persistentClient("away");
        away.paho.subscribe("gw/#", 1).waitForCompletion(5000);
        away.close();
        Client connected = persistentClient("connected");
        connected.paho.subscribe("gw/#", 1).waitForCompletion(5000);
        Client gateway = client("gateway");
        for (int i = 0; i < messages; i++) {
            gateway.paho.publish("gw/n", String.valueOf(i).getBytes(UTF_8), 1, false);
        }
        for (int i = 0; i < messages; i++) {
            assertEquals(String.valueOf(i), connected.next().text());
        }
        await("the messages waiting for the one away", () -> broker.keptSessions().waiting() == messages);
        await("the connected one acknowledged them", () -> broker.clients().stream()
                .filter(c -> c.clientId().equals("connected")).allMatch(c -> c.pending() == 0));
    }

    @Test
    public void persistentSessionsSavedWhileRunningOutliveAKilledProcess() throws Exception {
        Path file = storeFile();
        restartOn(file);
        awayAndConnected(3);

        // what a kill -9 leaves on disk: the file as the running broker last saved it (every second here)
        Path killed = file.resolveSibling("killed.mv.db");
        await("both sessions saved, with what waits", () -> {
            try {
                Files.copy(file, killed, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try (BrokerStore copy = BrokerStore.open(killed)) {
                return copy.sessions().stream().mapToInt(Session::waiting).sum() == 3 && copy.sessions().size() == 2;
            }
        });
        restartOn(killed);
        assertEquals("both sessions back", 2, broker.keptSessions().sessions());
        Client awayBack = persistentClient("away");
        assertTrue("its session resumed", awayBack.sessionPresent);
        for (int i = 0; i < 3; i++) {
            assertEquals("what waited, in order", String.valueOf(i), awayBack.next().text());
        }
        Client connectedBack = persistentClient("connected");
        assertTrue("the session of the client connected at the kill resumed", connectedBack.sessionPresent);
        client("gateway-again").paho.publish("gw/after", "kill".getBytes(UTF_8), 1, false);
        assertEquals("its subscription too", "gw/after", connectedBack.next().topic);
    }

    @Test
    public void retainedMessagesAreKeptWithinTheirBoundAndStillRouted() throws Exception {
        Client gateway = client("gateway");
        Client watcher = subscriber("watcher", "big/#", 1);
        for (String topic : List.of("big/1", "big/2", "big/3")) {
            gateway.paho.publish(topic, new byte[4000], 1, true);
            assertEquals("routed whether retained or not", topic, watcher.next().topic);
        }
        gateway.paho.publish("big/2", new byte[10], 1, true); // smaller now: room for more
        watcher.next();
        gateway.paho.publish("big/4", new byte[4000], 1, true);
        watcher.next();

        Client late = subscriber("late", "big/#", 1);
        gateway.paho.publish("big/marker", new byte[0], 1, false);
        List<String> retained = new ArrayList<>();
        for (Received r = late.next(); !r.topic.equals("big/marker"); r = late.next()) {
            retained.add(r.topic);
        }
        retained.sort(null);
        assertEquals("10,000 bytes hold two of 4,000 and one of 10, not a third of 4,000", List.of("big/1", "big/2", "big/4"), retained);
    }

    @Test
    public void aRetainedMessageExpiresAfterItsMessageExpiryInterval() throws Exception {
        Client gateway = client("gateway");
        MqttProperties expiring = new MqttProperties();
        expiring.setMessageExpiryInterval(2L);
        long published = System.nanoTime();
        gateway.paho.publish("gw/position", new MqttMessage("here".getBytes(UTF_8), 1, true, expiring));

        Client early = subscriber("early", "gw/position", 1);
        Received r = early.next();
        assertEquals("here", r.text());
        long left = r.message.getProperties().getMessageExpiryInterval();
        assertTrue("the interval less the time it waited: " + left, left >= 1 && left <= 2);

        // once the interval has run out, a new subscriber gets the marker and not the position
        long deadline = published + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Client late = new Client("tcp", broker.address().getPort(), "late", o -> { })) {
                late.paho.subscribe("gw/+", 1).waitForCompletion(5000);
                gateway.paho.publish("gw/marker", new byte[0], 1, false);
                if (late.next().topic.equals("gw/marker")) {
                    assertTrue("not before the interval ran out", System.nanoTime() - published >= TimeUnit.SECONDS.toNanos(2));
                    break;
                }
            }
            assertTrue("expired within 10 s", System.nanoTime() < deadline);
        }
    }

    @Test
    public void theWillOfAClientThatDiesIsPublishedAndOlderClientsInteroperate() throws Exception {
        Client watcher = subscriber("watcher", "gw/#", 1);

        // mosquitto_sub speaking MQTT 3.1.1, killed without a DISCONNECT: its will goes out
        Process dying = process("mosquitto_sub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1", "-i", "dying",
                "-t", "nothing", "--will-topic", "gw/status", "--will-payload", "offline", "--will-retain");
        await("mosquitto_sub connected", () -> broker.stats().clients() == 2);
        dying.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        Received will = watcher.next();
        assertEquals("gw/status", will.topic);
        assertEquals("offline", will.text());

        // a 3.1.1 publisher reaches an MQTT 5 subscriber, and an MQTT 5 publisher a 3.1.1 one
        Process subscriber = process("mosquitto_sub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1",
                "-t", "gw/from5", "-C", "1", "-q", "1");
        await("mosquitto_sub subscribed", () -> broker.clients().stream().anyMatch(c -> c.subscriptionCount() == 1
                && c.protocol().equals("3.1.1")));
        Process publisher = process("mosquitto_pub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1",
                "-t", "gw/from311", "-m", "hello from 3.1.1", "-q", "1");
        assertEquals(0, publisher.waitFor());
        assertEquals("hello from 3.1.1", watcher.next().text());
        watcher.paho.publish("gw/from5", "hello from 5".getBytes(UTF_8), 1, false);
        assertTrue(subscriber.waitFor(10, TimeUnit.SECONDS));
        assertEquals("hello from 5", new String(subscriber.getInputStream().readAllBytes(), UTF_8).trim());

        // the will was retained: a late subscriber learns the client is gone
        Client late = subscriber("late", "gw/status", 1);
        assertEquals("offline", late.next().text());
    }

    @Test
    public void withAPasswordFileOnlyItsUsersConnectAndEditsApplyWithoutARestart() throws Exception {
        Path folder = Files.createTempDirectory("broker-users");
        cleanup.add(() -> run("rm", "-rf", folder.toString()));
        String file = folder.resolve("passwd").toString();
        // made by mosquitto's own tool: its default hash (PBKDF2) and the older salted SHA-512
        run("mosquitto_passwd", "-c", "-b", file, "alice", "s3cret");
        run("mosquitto_passwd", "-H", "sha512", "-b", file, "bob", "hunter2");
        restart(new MqttBroker.Access(file, "", "", "", ""));

        Client watcher = client("watcher", "alice", "s3cret");
        watcher.paho.subscribe("gw/#", 1).waitForCompletion(5000);
        client("bob", "bob", "hunter2");
        assertEquals("MQTT 5: bad user name or password", 0x86, refusal("mallory", "alice", "guess"));
        assertEquals("MQTT 5: not authorized without a user name", 0x87, refusal("anonymous", null, null));

        // MQTT 3.1.1 clients: refused with return code 4, admitted with the right password
        String wrong = run("mosquitto_pub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1", "-u", "alice", "-P", "nope",
                "-t", "gw/x", "-m", "x");
        assertTrue(wrong, wrong.toLowerCase(Locale.ROOT).contains("bad user name or password"));
        run("mosquitto_pub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1", "-u", "bob", "-P", "hunter2", "-q", "1",
                "-t", "gw/from-bob", "-m", "hello");
        assertEquals("hello", watcher.next().text());

        // the file edited while the broker runs: a user added, another removed
        run("mosquitto_passwd", "-b", file, "carol", "pa55");
        run("mosquitto_passwd", "-D", file, "bob");
        client("carol", "carol", "pa55");
        assertEquals(0x86, refusal("bob-again", "bob", "hunter2"));
        assertEquals(4, broker.stats().refused());
        assertTrue("the user stays connected", watcher.paho.isConnected());
    }

    @Test
    public void anAclFileDecidesWhoPublishesAndReadsWhatAndEditsApplyWithoutARestart() throws Exception {
        Path file = aclFile();
        restart(new MqttBroker.Access("", "", "", "", file.toString()));

        Client admin = client("admin", "admin", "x");
        admin.paho.publish("sensors/secret", "s".getBytes(UTF_8), 1, true);
        admin.paho.publish("sensors/open", "o".getBytes(UTF_8), 1, true);
        Client alice = subscriber("alice", "alice", "#");
        assertEquals("the retained message it may read, not the denied one", "sensors/open", alice.next().topic);

        Client bob = subscriber("bob-phone", "bob", "#");
        bob.paho.publish("sensors/bob/t", "21".getBytes(UTF_8), 1, false);
        assertEquals("21", alice.next().text());
        bob.paho.publish("sensors/alice/t", "forged".getBytes(UTF_8), 1, false);
        admin.paho.publish("sensors/secret", "s2".getBytes(UTF_8), 1, false);
        alice.paho.publish("sensors/secret", "s3".getBytes(UTF_8), 1, false);
        admin.paho.publish("clients/bob-phone/cmd", "c".getBytes(UTF_8), 1, false);
        admin.paho.publish("sensors/marker", "m".getBytes(UTF_8), 1, false);
        assertEquals("neither bob's forgery nor anything secret came first", "sensors/marker", alice.next().topic);
        assertEquals("bob reads his client id's topics only", "clients/bob-phone/cmd", bob.next().topic);
        assertEquals("bob's forgery and alice's secret", 2, broker.stats().denied());

        // edited while the broker runs: bob may now read what he writes
        Files.writeString(file, Files.readString(file) + "user bob\ntopic read sensors/bob/#\n");
        alice.paho.publish("sensors/bob/t", "22".getBytes(UTF_8), 1, false);
        assertEquals("22", bob.next().text());
        assertTrue("nobody was disconnected", alice.paho.isConnected() && bob.paho.isConnected());
    }

    @Test
    public void theSameAclFileRefusesThePublicationsMosquittoRefuses() throws Exception {
        Path file = aclFile();
        restart(new MqttBroker.Access("", "", "", "", file.toString()));
        int mosquittoPort = mosquitto(file.getParent(), "acl_file " + file + "\n");
        int refusals = 0;
        String[][] cases = { { "admin", "a", "anything/at/all" }, { "alice", "a", "sensors/kitchen" },
                { "alice", "a", "sensors/secret" }, { "alice", "a", "public/news" }, { "bob", "bob-phone", "sensors/bob/t" },
                { "bob", "bob-phone", "sensors/alice/t" }, { "bob", "bob-phone", "clients/bob-phone/x" },
                { "bob", "bob-phone", "clients/other/x" }, { "", "anon", "public/news" }, { "", "anon", "clients/anon/x" } };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("mosquitto_pub", "-V", "5", "-q", "1", "-d", "-h", "127.0.0.1",
                    "-i", c[1], "-t", c[2], "-m", "x"));
            if (!c[0].isEmpty()) {
                args.addAll(List.of("-u", c[0]));
            }
            List<String> ours = new ArrayList<>(args);
            ours.addAll(List.of("-p", port()));
            args.addAll(List.of("-p", Integer.toString(mosquittoPort)));
            boolean mosquittoRefuses = run(args.toArray(String[]::new)).contains("RC:135");
            assertEquals(String.join(" ", c) + ": refused as by mosquitto (" + mosquittoRefuses + ")", mosquittoRefuses,
                    run(ours.toArray(String[]::new)).contains("RC:135"));
            refusals += mosquittoRefuses ? 1 : 0;
        }
        assertEquals("alice's secret and public, bob's forgery and another's client topic, the anonymous publication",
                5, refusals);
    }

    @Test
    public void aMosquittoBridgeOnItsDefaultsCarriesBothWaysKeepsRetainedStatesAndSendsNothingBack() throws Exception {
        // a central mosquitto bridging to this broker says it is a bridge (try_private) by the protocol level 0x84
        Path folder = Files.createTempDirectory("central");
        cleanup.add(() -> run("rm", "-rf", folder.toString()));
        int central = mosquitto(folder, "connection edge\naddress 127.0.0.1:" + port() + "\ntopic outrigger/# in 1\n"
                + "topic sync/# both 1\n");
        await("the bridge connected and subscribed", () -> broker.clients().stream()
                .anyMatch(c -> c.protocol().equals("3.1.1 bridge") && c.subscriptionCount() == 2));

        // what the gateway retains here is retained at the central broker too
        Client dashboard = connect("tcp", central, "dashboard", o -> { });
        dashboard.paho.subscribe("outrigger/#", 1).waitForCompletion(5000);
        client("gateway").paho.publish("outrigger/gw/status", "online".getBytes(UTF_8), 1, true);
        assertEquals("online", dashboard.next().text());
        Client late = connect("tcp", central, "late", o -> { });
        late.paho.subscribe("outrigger/gw/status", 1).waitForCompletion(5000);
        Received status = late.next();
        assertEquals("online", status.text());
        assertTrue(status.message.isRetained());

        // the central broker's message comes here once and is not sent back to it
        Client watcher = connect("tcp", central, "watcher", o -> { });
        watcher.paho.subscribe("sync/#", 1).waitForCompletion(5000);
        Client edgeApp = subscriber("edge-app", "sync/#", 1);
        connect("tcp", central, "central-app", o -> { }).paho.publish("sync/ping", "1".getBytes(UTF_8), 1, false);
        assertEquals("1", edgeApp.next().text());
        edgeApp.paho.publish("sync/marker", "after".getBytes(UTF_8), 1, false);
        assertEquals("sync/ping", watcher.next().topic);
        assertEquals("no echo of the ping came back before the marker", "sync/marker", watcher.next().topic);
    }

    /** A mosquitto of the test's own on a free port, with these lines of configuration, stopped after the test. */
    private int mosquitto(Path folder, String configuration) throws Exception {
        int port = Ports.free();
        // as root, mosquitto would switch to its own user, which cannot read the test's folders
        Path config = Files.writeString(folder.resolve("mosquitto.conf"), "user " + System.getProperty("user.name")
                + "\nlistener " + port + " 127.0.0.1\nallow_anonymous true\n" + configuration);
        process("/usr/sbin/mosquitto", "-c", config.toString());
        await("mosquitto listening", () -> {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
        return port;
    }

    /** An ACL file in mosquitto's format, in a folder removed after the test. */
    private Path aclFile() throws IOException {
        Path folder = Files.createTempDirectory("broker-acl");
        cleanup.add(() -> run("rm", "-rf", folder.toString()));
        return Files.writeString(folder.resolve("acl"), """
                topic read public/#
                user admin
                topic readwrite #
                user alice
                topic readwrite sensors/#
                topic deny sensors/secret
                user bob
                topic write sensors/bob/#
                pattern readwrite clients/%c/#
                """);
    }

    @Test
    public void overTlsOnlyClientsWithACertificateFromItsCaGetIn() throws Exception {
        Path folder = Files.createTempDirectory("broker-tls");
        cleanup.add(() -> run("rm", "-rf", folder.toString()));
        // the listener's files are not there yet: it must not listen, in plain MQTT least of all
        Path pending = Files.createDirectories(folder.resolve("etc"));
        broker.close();
        broker = new MqttBroker(settings(0, new MqttBroker.Access("", pending.resolve("server.pem").toString(),
                pending.resolve("server.key").toString(), pending.resolve("ca.pem").toString(), "")), BrokerStore.none());
        broker.start();
        await("told why it does not listen", () -> broker.notListening().isPresent());
        assertEquals("Embedded MQTT broker cannot use its TLS files (no such file: " + pending.resolve("ca.pem") + ")",
                broker.notListening().get());
        assertNull(broker.address());
        TestCertificates certificates = new TestCertificates(folder, "alice");
        for (Path made : List.of(certificates.cert("server"), certificates.key("server"), certificates.ca())) {
            Files.copy(made, pending.resolve(made.getFileName()));
        }
        await("listening once its files are usable", () -> broker.address() != null);

        SSLContext alice = PemTls.context(certificates.ca().toString(), certificates.cert("alice").toString(),
                certificates.key("alice").toString());
        Client watcher = tlsClient("watcher", alice.getSocketFactory());
        watcher.paho.subscribe("gw/#", 1).waitForCompletion(5000);
        // mosquitto's MQTT 3.1.1 client with the same certificate
        run("mosquitto_pub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1", "--cafile", certificates.ca().toString(),
                "--cert", certificates.cert("alice").toString(), "--key", certificates.key("alice").toString(), "-q", "1",
                "-t", "gw/over-tls", "-m", "hello");
        assertEquals("hello", watcher.next().text());

        SSLContext anonymous = PemTls.context(certificates.ca().toString(), "", "");
        assertThrows("no client certificate", MqttException.class, () -> tlsClient("anonymous", anonymous.getSocketFactory()));
        String plain = run("mosquitto_pub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1", "-t", "gw/plain", "-m", "x");
        assertTrue("plain MQTT refused: " + plain, plain.toLowerCase(Locale.ROOT).contains("error"));
        assertTrue("the others stay connected", watcher.paho.isConnected());

        // its files renewed, by another CA here (server and client certificates alike): the next client gets the new ones
        TestCertificates renewed = new TestCertificates(Files.createDirectories(folder.resolve("renewed")), "bob");
        for (Path made : List.of(renewed.cert("server"), renewed.key("server"), renewed.ca())) {
            Files.copy(made, pending.resolve(made.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        SSLContext bob = PemTls.context(renewed.ca().toString(), renewed.cert("bob").toString(), renewed.key("bob").toString());
        await("a client of the renewed CA let in", () -> {
            try {
                tlsClient("bob", bob.getSocketFactory()).paho.disconnect();
                return true;
            } catch (Exception notYet) {
                return false;
            }
        });
        assertTrue("connections made before stay", watcher.paho.isConnected());
    }

    @Test
    public void aPersistentSessionKeepsSubscriptionsAndQos1MessagesWhileItsClientIsAway() throws Exception {
        Client logger = persistentClient("logger");
        assertFalse("a new session", logger.sessionPresent);
        logger.paho.subscribe("gw/#", 1).waitForCompletion(5000);
        logger.close();
        await("the session kept", () -> broker.keptSessions().sessions() == 1);

        Client gateway = client("gateway");
        for (int i = 0; i < 200; i++) {
            gateway.paho.publish("gw/n", String.valueOf(i).getBytes(UTF_8), 1, false);
        }
        gateway.paho.publish("gw/q0", "not kept".getBytes(UTF_8), 0, false);
        assertEquals("QoS 1 messages wait, QoS 0 ones do not", 200, broker.keptSessions().waiting());

        Client back = persistentClient("logger");
        assertTrue("the session resumed", back.sessionPresent);
        for (int i = 0; i < 200; i++) {
            assertEquals("in order, without subscribing again", String.valueOf(i), back.next().text());
        }
        gateway.paho.publish("gw/live", "now".getBytes(UTF_8), 1, false);
        assertEquals("gw/live", back.next().topic);
        back.close();

        Client clean = client("logger");
        assertFalse("a clean start ends the kept session", clean.sessionPresent);
        clean.close();
        assertFalse(persistentClient("logger").sessionPresent);

        // an MQTT 3.1.1 client with clean session off, away while a message is published
        String[] v3 = { "mosquitto_sub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1", "-i", "v3-logger", "-c", "-q", "1",
                "-t", "gw/#", "-C", "1", "-W", "10" };
        Process first = process(v3);
        await("the 3.1.1 client subscribed", () -> broker.clients().stream()
                .anyMatch(c -> c.clientId().equals("v3-logger") && c.subscriptionCount() == 1));
        first.destroy();
        await("its session kept", () -> broker.keptSessions().sessions() == 1);
        gateway.paho.publish("gw/while-away", "queued".getBytes(UTF_8), 1, false);
        assertEquals("queued", run(v3).trim());
    }

    @Test
    public void whatWasNotAcknowledgedGoesAgainWithItsPacketIdWhenTheSessionResumes() throws Exception {
        int packetId;
        try (RawClient first = new RawClient("forgetful")) {
            assertFalse(first.connAck().variableHeader().isSessionPresent());
            first.send(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE, "gw/#").build());
            first.expect(MqttSubAckMessage.class);
            client("gateway").paho.publish("gw/a", "once".getBytes(UTF_8), 1, false);
            MqttPublishMessage sent = first.expect(MqttPublishMessage.class);
            assertFalse(sent.fixedHeader().isDup());
            packetId = sent.variableHeader().packetId();
        } // gone without acknowledging it
        await("the session kept", () -> broker.keptSessions().sessions() == 1);

        try (RawClient again = new RawClient("forgetful")) {
            assertTrue(again.connAck().variableHeader().isSessionPresent());
            MqttPublishMessage resent = again.expect(MqttPublishMessage.class);
            assertTrue("flagged as sent before", resent.fixedHeader().isDup());
            assertEquals(packetId, resent.variableHeader().packetId());
            assertEquals("once", resent.payload().toString(UTF_8));
        }
    }

    @Test
    public void garbageAndOversizedPacketsCostOnlyTheirOwnConnection() throws Exception {
        Client watcher = subscriber("watcher", "gw/#", 1);

        try (Socket http = new Socket("127.0.0.1", broker.address().getPort())) {
            http.setSoTimeout(10_000);
            OutputStream out = http.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
            out.flush();
            InputStream in = http.getInputStream();
            assertEquals("closed by the broker", -1, in.read());
        }

        // MQTT 5: the client knows the limit from CONNACK and refuses to send
        Client big = client("big");
        try {
            big.paho.publish("gw/big", new byte[MAX_PACKET + 1], 1, false);
            fail("a packet over the announced maximum must be refused");
        } catch (MqttException expected) {
            // the producer gets the error
        }
        // MQTT 3.1.1 has no way to learn the limit: the broker disconnects the sender
        Process oversized = process("mosquitto_pub", "-V", "mqttv311", "-p", port(), "-h", "127.0.0.1",
                "-t", "gw/big", "-s", "-q", "1");
        try (OutputStream stdin = oversized.getOutputStream()) {
            stdin.write(new byte[MAX_PACKET * 2]);
        }
        assertTrue(oversized.waitFor(10, TimeUnit.SECONDS));
        assertTrue("mosquitto_pub failed", oversized.exitValue() != 0);

        client("small").paho.publish("gw/small", "fine".getBytes(UTF_8), 1, false);
        assertEquals("gw/small", watcher.next().topic);
        assertTrue(watcher.paho.isConnected());
    }

    @Test
    public void aClientSilentBeyondItsKeepAliveIsDroppedAndItsWillPublished() throws Exception {
        Client watcher = subscriber("watcher", "gw/#", 1);
        try (Socket silent = new Socket("127.0.0.1", broker.address().getPort())) {
            silent.setSoTimeout(10_000);
            // MQTT 3.1.1 CONNECT: clean session, will "gone" on gw/ka, keep-alive 1 s; then nothing more
            OutputStream out = silent.getOutputStream();
            out.write(new byte[] { 0x10, 27, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x06, 0, 1, 0, 2, 'k', 'a',
                    0, 5, 'g', 'w', '/', 'k', 'a', 0, 4, 'g', 'o', 'n', 'e' });
            out.flush();
            InputStream in = silent.getInputStream();
            assertArrayEquals("CONNACK, accepted", new byte[] { 0x20, 2, 0, 0 }, in.readNBytes(4));
            long start = System.nanoTime();
            assertEquals("closed by the broker", -1, in.read());
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue("one and a half keep-alives, not sooner: " + waitedMillis + " ms", waitedMillis >= 1_400);
        }
        Received will = watcher.next();
        assertEquals("gw/ka", will.topic);
        assertEquals("gone", will.text());
    }

    @Test
    public void aSecondConnectionWithTheSameClientIdTakesOver() throws Exception {
        Client first = client("same");
        Client second = client("same");
        await("first told and closed", () -> first.disconnectReason != null);
        assertEquals(0x8E, first.disconnectReason.intValue());
        assertTrue(second.paho.isConnected());
        assertEquals(1, broker.stats().clients());
    }

    @Test
    public void aBrokerWhosePortIsTakenListensOnceItIsFree() throws Exception {
        int port = broker.address().getPort();
        MqttBroker waiting = new MqttBroker(settings(port, MqttBroker.Access.OPEN), BrokerStore.none());
        try {
            waiting.start();
            await("first attempt failed", () -> waiting.notListening().isPresent());
            assertEquals("the runtime's health says why", "Embedded MQTT broker cannot listen on 127.0.0.1:" + port
                    + " (Address already in use)", waiting.notListening().get());
            assertNull(waiting.address());
            broker.close();
            await("listening after the port was freed", () -> waiting.address() != null);
            assertEquals(port, waiting.address().getPort());
            assertEquals(Optional.empty(), waiting.notListening());
        } finally {
            waiting.close();
        }
    }

    @Test
    public void slowClientsAreBoundedAndTheRestKeepsFlowing() throws Exception {
        // a subscriber that never reads: its socket and then its queue fill up, the excess is dropped
        try (Socket stuck = new Socket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new InetSocketAddress("127.0.0.1", broker.address().getPort()));
            OutputStream out = stuck.getOutputStream();
            out.write(new byte[] { 0x10, 18, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 0, 0, 6, 's', 't', 'u', 'c', 'k', '!' });
            out.write(new byte[] { (byte) 0x82, 6, 0, 1, 0, 1, '#', 1 });
            out.flush();
            await("stuck client subscribed", () -> broker.clients().stream().anyMatch(c -> "stuck!".equals(c.clientId())
                    && c.subscriptionCount() == 1));
            Client watcher = subscriber("watcher", "load", 0);
            Client producer = client("producer");
            byte[] payload = new byte[1000];
            for (int i = 0; i < 5000; i++) {
                producer.paho.publish("load", payload, 0, false);
            }
            await("stuck client's excess dropped", () -> broker.stats().dropped() > 0);
            for (int i = 0; i < 100; i++) {
                assertNotNull(watcher.next());
            }
        }
    }

    // --- helpers

    private String port() {
        return Integer.toString(broker.address().getPort());
    }

    /** Runs a command to its end and returns what it printed; a failure is part of the output. */
    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertTrue(String.join(" ", command) + " did not finish", p.waitFor(10, TimeUnit.SECONDS));
        return output;
    }

    /** The reason code of an MQTT 5 connection the broker refuses. */
    private int refusal(String id, String user, String password) throws Exception {
        try {
            client(id, user, password);
        } catch (MqttException refused) {
            return refused.getReasonCode();
        }
        fail(id + " was let in");
        return -1;
    }

    private Process process(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        cleanup.add(() -> p.destroyForcibly().waitFor(5, TimeUnit.SECONDS));
        return p;
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(what, Duration.ofSeconds(15), condition);
    }

    private record Received(String topic, MqttMessage message) {
        String text() {
            return new String(message.getPayload(), UTF_8);
        }
    }

    /** A client subscribed to the filter once this returns. */
    private Client subscriber(String id, String filter, int qos) throws Exception {
        Client c = client(id);
        c.paho.subscribe(filter, qos).waitForCompletion(5000);
        return c;
    }

    /** A client of the user, subscribed to the filter once this returns. */
    private Client subscriber(String id, String user, String filter) throws Exception {
        Client c = client(id, user, "x");
        c.paho.subscribe(filter, 1).waitForCompletion(5000);
        return c;
    }

    private Client client(String id) throws Exception {
        return client(id, null, null);
    }

    private Client client(String id, String user, String password) throws Exception {
        return connect("tcp", id, o -> {
            if (user != null) {
                o.setUserName(user);
                o.setPassword(password.getBytes(UTF_8));
            }
        });
    }

    private Client tlsClient(String id, SocketFactory sockets) throws Exception {
        return connect("ssl", id, o -> o.setSocketFactory(sockets));
    }

    /** A client that asks for its session to be kept for a minute after it disconnects. */
    private Client persistentClient(String id) throws Exception {
        return connect("tcp", id, o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(60L);
        });
    }

    private Client connect(String scheme, String id, Consumer<MqttConnectionOptions> configure) throws Exception {
        return connect(scheme, broker.address().getPort(), id, configure);
    }

    /** A client of the broker on that port (another than this one: the test's mosquitto). */
    private Client connect(String scheme, int port, String id, Consumer<MqttConnectionOptions> configure) throws Exception {
        Client c = new Client(scheme, port, id, configure);
        cleanup.add(0, c);
        return c;
    }


    private final class Client extends MqttCallbackAdapter implements AutoCloseable {
        final MqttClient paho;
        final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        volatile Integer disconnectReason;
        final boolean sessionPresent;
        private boolean closed;

        Client(String scheme, int port, String id, Consumer<MqttConnectionOptions> configure) throws MqttException {
            paho = new MqttClient(scheme + "://127.0.0.1:" + port, id, new MemoryPersistence());
            paho.setCallback(this);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setAutomaticReconnect(false);
            configure.accept(options);
            try {
                sessionPresent = paho.connectWithResult(options).getSessionPresent();
            } catch (MqttException refused) {
                paho.close(true);
                throw refused;
            }
        }

        Received next() throws InterruptedException {
            Received r = received.poll(10, TimeUnit.SECONDS);
            assertNotNull("a message within 10 s", r);
            return r;
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(new Received(topic, message));
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnectReason = response.getReturnCode();
        }

        @Override
        public void close() throws MqttException {
            if (closed) {
                return;
            }
            closed = true;
            if (paho.isConnected()) {
                paho.disconnect(2000);
            }
            paho.close(true);
        }
    }

    /**
     * A bare MQTT 3.1.1 client with clean session off, speaking through Netty's codec over a plain
     * socket, so that the test decides what is acknowledged (Paho acknowledges everything).
     */
    private final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());
        private final MqttConnAckMessage connAck;

        RawClient(String id) throws Exception {
            socket = new Socket("127.0.0.1", broker.address().getPort());
            socket.setSoTimeout(10_000);
            send(MqttMessageBuilders.connect().clientId(id).protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(false)
                    .keepAlive(60).build());
            connAck = expect(MqttConnAckMessage.class);
        }

        MqttConnAckMessage connAck() {
            return connAck;
        }

        void send(io.netty.handler.codec.mqtt.MqttMessage message) throws Exception {
            encoder.writeOutbound(message);
            for (ByteBuf b = encoder.readOutbound(); b != null; b = encoder.readOutbound()) {
                socket.getOutputStream().write(ByteBufUtil.getBytes(b));
                b.release();
            }
        }

        /** The next packet, which must be of that type. */
        <T extends io.netty.handler.codec.mqtt.MqttMessage> T expect(Class<T> type) throws Exception {
            byte[] buffer = new byte[4096];
            Object next = decoder.readInbound();
            while (next == null) {
                int n = socket.getInputStream().read(buffer);
                assertTrue("closed by the broker", n > 0);
                decoder.writeInbound(Unpooled.copiedBuffer(buffer, 0, n));
                next = decoder.readInbound();
            }
            assertTrue(next.toString(), type.isInstance(next));
            return type.cast(next);
        }

        @Override
        public void close() throws Exception {
            socket.close();
            encoder.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
        }
    }
}
