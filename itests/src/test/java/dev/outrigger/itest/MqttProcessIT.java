package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.Ports;
import dev.outrigger.tls.TestCertificates;

/**
 * The mqtt feature in a real runtime process against a real mosquitto: nothing accepted is lost
 * to a SIGKILL while the broker is down; wrong credentials and TLS behave as an operator expects.
 */
public class MqttProcessIT {

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private GatewayProcess gateway;
    private Mosquitto broker;
    private MqttAsyncClient subscriber;

    @Before
    public void copyDistribution() throws Exception {
        gateway = folder.gateway("outrigger");
    }

    @After
    public void stop() throws Exception {
        if (subscriber != null && subscriber.isConnected()) {
            subscriber.disconnectForcibly(1000);
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** The mqtt feature, configured for the test's broker, plus the fixture's producer command. */
    private void installMqtt(String brokerUri, String extra) throws Exception {
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"),
                "broker = " + brokerUri + "\nroot = it\ngatewayId = gw\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n" + extra);
        GatewayProcess.Result install = gateway.shell("feature:install mqtt");
        assertEquals(install.output(), 0, install.status());
        Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Await.until("the fixture's producer and the outbox", Duration.ofSeconds(10),
                () -> gateway.shell("fixture:produce 0").status() == 0);
    }

    @Test
    public void recordsAcceptedWhileTheBrokerIsDownSurviveAKilledProcess() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "");
        gateway.start();
        installMqtt(broker.uri(), "");
        GatewayProcess.Result produced = gateway.shell("fixture:produce 500");
        assertEquals(produced.output(), 0, produced.status());
        assertTrue(produced.output().contains("500 appended"));
        assertTrue(gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+500.*"));
        gateway.kill();

        broker.start();
        Set<String> received = subscribe("it/gw/data/#");
        gateway.start();
        Await.until("all 500 records at the broker", Duration.ofSeconds(30), () -> received.size() == 500);
        assertEquals("the store's recovery from the kill, said once", 1,
                gateway.log().lines().filter(l -> l.contains("was not closed (the process was killed or the power cut)")).count());
        Await.until("an empty outbox", Duration.ofSeconds(10),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
    }

    @Test
    public void wrongCredentialsGiveOneClearErrorAndRetriesUntilFixed() throws Exception {
        Path passwords = folder.getRoot().toPath().resolve("passwords");
        Process p = new ProcessBuilder("mosquitto_passwd", "-b", "-c", passwords.toString(), "gateway", "right").start();
        assertEquals(0, p.waitFor());
        broker = new Mosquitto(folder.newFolder("broker").toPath(),
                "allow_anonymous false\npassword_file " + passwords + "\n").start();
        Path secret = Files.writeString(folder.getRoot().toPath().resolve("mqtt-password"), "wrong\n");
        gateway.enableHealthEndpoint();
        gateway.start();
        installMqtt(broker.uri(), "username = gateway\npasswordFile = " + secret + "\n");

        Await.until("the refusal reported", Duration.ofSeconds(10),
                () -> gateway.shell("mqtt:status").output().toLowerCase(Locale.ROOT).contains("not authori"));
        long lines = gateway.log().lines().filter(l -> l.toLowerCase(Locale.ROOT).contains("not authori")).count();
        assertTrue("one log line, not one per retry: " + lines, lines <= 2);
        assertTrue("the password never reaches the log", !gateway.log().contains("wrong"));
        Map<String, Double> refused = Await.value("the retries counted", Duration.ofSeconds(10), () -> {
            Map<String, Double> metrics = gateway.metrics();
            return metrics.getOrDefault("outrigger_mqtt_connect_failures_total", 0.0) >= 2 ? metrics : null;
        });
        assertEquals(refused.toString(), 0.0, refused.get("outrigger_mqtt_connected"), 0);
        assertEquals(refused.toString(), 0.0, refused.get("outrigger_mqtt_connects_total"), 0);

        Files.writeString(secret, "right\n");
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"),
                Files.readString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg")) + "# password fixed\n");
        Await.until("connected with the right password", Duration.ofSeconds(15),
                () -> gateway.shell("mqtt:status").output().contains("connected since"));
    }

    /**
     * The retained inventory a late subscriber (a dashboard started after the gateway) finds: the
     * devices plugged in now, and the port of each bridged one, so that it knows where to connect.
     */
    @Test
    public void theRetainedDeviceInventoryFollowsPlugAndUnplugAndSaysWhereEachStickIsBridged() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "").start();
        FakeSysfs tree = new FakeSysfs(folder.newFolder("host").toPath());
        Path etc = gateway.home.resolve("etc");
        Files.writeString(etc.resolve("dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev + "\n");
        int port = Ports.free();
        Files.writeString(etc.resolve("dev.outrigger.discovery.profile-zigbee.cfg"),
                "vendorId = 10c4\nproductId = ea60\nrole = bridge\nport = " + port + "\n");
        gateway.start();
        installMqtt(broker.uri(), "");
        String stick = "usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_77aa-if00-port0";
        try (Subscriptions late = new Subscriptions()) {
            tree.plugUsbSerial("ttyUSB0", "1-1.5", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "77aa", "cp210x");
            Map<?, ?> device = Await.value("the stick in the retained inventory, with its bridge's port", Duration.ofSeconds(10),
                    () -> inventory(late).stream().filter(d -> stick.equals(d.get("id")) && d.containsKey("bridgePort")).findFirst()
                            .orElse(null));
            assertEquals(port, device.get("bridgePort"));
            assertEquals("bridge", device.get("role"));
            assertEquals(tree.dev.resolve("ttyUSB0").toString(), device.get("path"));
            assertEquals(List.of("10c4", "ea60", "Sonoff Zigbee 3.0 USB Dongle Plus", "77aa"), List.of(device.get("vendorId"),
                    device.get("productId"), device.get("product"), device.get("serial")));
            tree.unplug("ttyUSB0");
            Await.until("the inventory without it", Duration.ofSeconds(10),
                    () -> inventory(late).stream().noneMatch(d -> stick.equals(d.get("id"))));
        }
    }

    /** The retained inventory, as a client that subscribes now gets it. */
    private List<Map<?, ?>> inventory(Subscriptions late) throws Exception {
        Queue<String> retained = late.subscribe(broker.uri(), "it/gw/devices");
        String json = Await.value("the retained inventory", Duration.ofSeconds(5), retained::peek);
        return List.of(new ObjectMapper().readValue(json, Map[].class));
    }

    /**
     * A broker address the client cannot use (the scheme forgotten, as in mosquitto_pub's -h) is
     * one clear line, not an error cascade through every component that needs the connection, and
     * the records wait; the file corrected, it connects.
     */
    @Test
    public void aBrokerAddressWithoutSchemeIsOneClearLineAndTheCorrectedFileConnects() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "").start();
        gateway.start();
        installMqtt("127.0.0.1:" + broker.port, "");
        Await.until("the address refused", Duration.ofSeconds(10), () -> gateway.log().contains(
                "MQTT: broker: 127.0.0.1:" + broker.port + " has no scheme; expected tcp://host:1883, or ssl://host:8883 for TLS; "
                        + "nothing is sent until etc/dev.outrigger.mqtt.cfg is corrected"));
        Await.until("mqtt:status saying why", Duration.ofSeconds(5), () -> gateway.shell("mqtt:status").output()
                .contains("last error  broker: 127.0.0.1:" + broker.port + " has no scheme"));
        assertEquals(0, gateway.shell("fixture:produce 3").status());
        assertFalse(gateway.log(), gateway.log().contains("activate method has thrown"));

        Set<String> received = subscribe("it/gw/data/#");
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"), Files.readString(gateway.home.resolve(
                "etc/dev.outrigger.mqtt.cfg")).replace("broker = 127.0.0.1:", "broker = tcp://127.0.0.1:"));
        Await.until("the records that waited at the broker", Duration.ofSeconds(15), () -> received.size() == 3);
    }

    /**
     * Records a broker does not take. Those larger than the maximum packet size it announced (sending
     * one would end the connection, again and again) are dropped, counted, and logged once, not once a
     * record. Those its ACL refuses are held back in the outbox, logged once too, while the records
     * behind them go on (an ACL gets fixed: a new client whose rights are not granted yet); once the
     * ACL lets them, without a reconnect, they follow. A status it refuses is said once, as is its
     * taking it again. The connection stays up throughout.
     */
    @Test
    public void recordsTheBrokerDoesNotTakeHoldUpNoOthersAndThoseItsAclRefusesFollowOnceItLetsThem() throws Exception {
        Path acl = Files.writeString(folder.getRoot().toPath().resolve("acl"),
                "topic deny it/gw/data/secret\ntopic deny it/gw/status\ntopic readwrite it/gw/#\n");
        // a bounded queue: with max_queued_messages 0 (the helper's default) mosquitto 2.0.11 drops a
        // client whose QoS 1 publication it denied, a bug of its own
        broker = new Mosquitto(folder.newFolder("broker").toPath(),
                "acl_file " + acl + "\nmax_packet_size 2000\nmax_queued_messages 1000\n").start();
        Set<String> received = subscribe("it/gw/data/#");
        gateway.enableHealthEndpoint();
        gateway.start();
        installMqtt(broker.uri(), "");
        assertEquals(0, gateway.shell("fixture:produce 20 data/secret").status());
        assertEquals(0, gateway.shell("fixture:produce 3 data/large 3000").status());
        assertEquals(0, gateway.shell("fixture:produce 50").status());

        Await.until("every record the broker takes delivered, behind those it does not", Duration.ofSeconds(20),
                () -> received.size() == 50);
        Await.until("those its ACL refuses held back, the large ones gone", Duration.ofSeconds(10),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+20\\b.*"));
        String status = gateway.shell("mqtt:status").output();
        assertTrue(status, status.contains("\nheld back   20 record(s) the broker refused for now, offered again every 1 s\n"));
        Map<String, Double> metrics = gateway.metrics();
        assertEquals(metrics.toString(), 20.0, metrics.get("outrigger_mqtt_held_back"), 0);
        assertEquals(gateway.log(), 1, gateway.log().lines().filter(l -> l.contains("dropped: too large for the broker")).count());
        assertEquals(gateway.log(), 1, gateway.log().lines().filter(l -> l.contains(" for it/gw/data/secret held back: the broker "
                + "refused it (not authorized, 0x87); it stays in the outbox, offered again every 1 s")).count());

        assertTrue(gateway.log(), gateway.log().contains("refused the gateway's status on it/gw/status: the broker refused it "
                + "(not authorized, 0x87); fleet tools do not see it online"));

        Files.writeString(acl, "topic readwrite it/gw/#\n");
        broker.reload();
        Await.until("the held-back records delivered once the ACL lets them", Duration.ofSeconds(20), () -> received.size() == 70);
        Await.until("an empty outbox", Duration.ofSeconds(10),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
        assertTrue(gateway.log(), gateway.log().contains("the broker takes records for it/gw/data/secret again: the 19 others held back go out now"));
        Await.until("the status taken again with the next health check", Duration.ofSeconds(10),
                () -> gateway.log().contains("takes the gateway's status again"));
        assertEquals(gateway.log(), 1, gateway.log().lines().filter(l -> l.contains("refused the gateway's status")).count());
        metrics = gateway.metrics();
        assertEquals(metrics.toString(), 0.0, metrics.get("outrigger_mqtt_held_back"), 0);
        assertEquals("the connection never lost: " + metrics, 0.0, metrics.get("outrigger_mqtt_connections_lost_total"), 0);
    }

    /**
     * A broker that ends the connection over a record instead of refusing it (mosquitto's
     * message_size_limit answers with a reason code the client takes for a protocol error) would
     * get it again after every reconnect, and nothing behind it: after the second time it is
     * dropped, counted and logged, and the records behind it go through.
     */
    @Test
    public void recordsOverWhichTheBrokerEndsTheConnectionAreDroppedAndTheRestGoesThrough() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "message_size_limit 1000\n").start();
        Set<String> received = subscribe("it/gw/data/#");
        gateway.enableHealthEndpoint();
        gateway.start();
        installMqtt(broker.uri(), "");
        assertEquals(0, gateway.shell("fixture:produce 2 data/large 3000").status());
        assertEquals(0, gateway.shell("fixture:produce 5").status());

        Await.until("the records behind the two the broker will not take", Duration.ofSeconds(30), () -> received.size() == 5);
        Await.until("an empty outbox", Duration.ofSeconds(10),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
        assertEquals(2.0, gateway.metrics().get("outrigger_mqtt_refused_total"), 0);
        assertEquals(gateway.log(), 1, gateway.log().lines()
                .filter(l -> l.contains("(3000 bytes) dropped: the broker ended the connection each of the 2 times it was sent")).count());
    }

    /**
     * A broker that keeps no retained messages refuses a CONNECT with a retained last will: the
     * gateway connects with one that is not, says so once, and sends everything, without retain.
     */
    @Test
    public void aBrokerThatKeepsNoRetainedMessagesGetsTheStatusAndRecordsWithoutRetain() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "retain_available false\n").start();
        Set<String> received = subscribe("it/gw/#");
        gateway.start();
        installMqtt(broker.uri(), "");
        assertEquals(0, gateway.shell("fixture:produce 5").status());

        Await.until("the status and the records", Duration.ofSeconds(15),
                () -> received.stream().filter(r -> r.matches("[0-9a-f-]{36}-\\d")).count() == 5
                        && received.stream().anyMatch(r -> r.contains("\"state\":\"online\"")));
        assertTrue(gateway.shell("mqtt:status").output().contains("connected since"));
        assertEquals(gateway.log(), 1, gateway.log().lines().filter(l -> l.contains("keeps no retained messages")).count());
        assertFalse("the refusal not said twice", gateway.log().contains("Retain not supported"));
    }

    /**
     * A broker that drops connections idle for less than the configured keep-alive says so when
     * the gateway connects: it is pinged that often from the first connection on, never dropped.
     */
    @Test
    public void aBrokerThatAsksForAShorterKeepAliveIsPingedThatOften() throws Exception {
        Path brokerFolder = folder.newFolder("broker").toPath();
        broker = new Mosquitto(brokerFolder, "max_keepalive 10\nlog_type all\n").start();
        gateway.start();
        installMqtt(broker.uri(), ""); // keepAliveSeconds 30

        // dropped after 15 to 20 s without a packet, and pinged only after 30 s, it would be connected anew before the first ping
        Await.until("a ping within the broker's keep-alive", Duration.ofSeconds(40),
                () -> Files.readString(brokerFolder.resolve("mosquitto.log")).contains("Received PINGREQ from outrigger-gw"));
        assertTrue(gateway.shell("mqtt:status").output(), gateway.shell("mqtt:status").output().contains("1 made, 0 attempt(s) failed, 0 lost"));
        assertTrue(gateway.log().contains("asks for a ping every 10 s (keepAliveSeconds is 30)"));
    }

    @Test
    public void connectsOverTlsWithTheConfiguredCa() throws Exception {
        TestCertificates tls = new TestCertificates(folder.newFolder("tls").toPath());
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "cafile " + tls.ca() + "\ncertfile "
                + tls.cert("server") + "\nkeyfile " + tls.key("server") + "\n").start();

        gateway.start();
        // the TLS port spoken to without TLS first, as when the scheme is left at tcp://
        installMqtt("tcp://127.0.0.1:" + broker.port, "caFile = " + tls.ca() + "\n");
        Await.until("tcp:// to the TLS port said as such", Duration.ofSeconds(15), () -> gateway.log().contains("MQTT: cannot"
                + " connect to tcp://127.0.0.1:" + broker.port + ": the connection was closed before the broker answered: is that"
                + " port TLS (ssl://, as 8883 usually is)"));
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"), "broker = ssl://127.0.0.1:" + broker.port
                + "\nroot = it\ngatewayId = gw\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\ncaFile = " + tls.ca() + "\n");
        Await.until("connected over TLS", Duration.ofSeconds(15),
                () -> gateway.shell("mqtt:status").output().contains("connected since"));
        assertTrue("mosquitto's flow control, as its CONNACK says", gateway.shell("mqtt:status").output()
                .contains("(the broker takes 20 at once; 0 more waiting)"));
    }

    @Test
    public void aTlsProxyThatHangsUpAfterTheHandshakeLeavesNoThreadBehind() throws Exception {
        TestCertificates tls = new TestCertificates(folder.newFolder("tls").toPath());
        int port = Ports.free();
        // a TLS-terminating proxy before a broker that is down: it shakes hands, then hangs up
        Process proxy = new ProcessBuilder("socat", "OPENSSL-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork,verify=0,cert="
                + tls.cert("server") + ",key=" + tls.key("server"), "SYSTEM:true")
                .redirectErrorStream(true).redirectOutput(folder.newFile("socat.log")).start();
        try {
            gateway.start();
            installMqtt("ssl://127.0.0.1:" + port, "caFile = " + tls.ca() + "\n");
            Await.until("three attempts hung up on after the handshake", Duration.ofSeconds(40), () -> failedAttempts() >= 3);
            assertTrue("at most the attempt under way connecting: " + gateway.threadNames(), gateway.threads("MQTT Con: ") <= 1);
        } finally {
            Processes.stop(proxy);
        }
    }

    /** As after a Ctrl-C on bin/outrigger-shell, or a script killed while its command waits. */
    @Test
    public void commandsOfShellClientsThatWentAwayEndAndTheShellKeepsAnswering() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "").start();
        gateway.start();
        installMqtt(broker.uri(), "");
        // more clients than the shell port runs commands at once, each gone while its tail waits for a second message
        for (int i = 0; i < 6; i++) {
            Process client = new ProcessBuilder(gateway.home.resolve("bin/outrigger-shell").toString(), "mqtt:tail -n 2 -t 600 status")
                    .redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                String first = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).get(20, TimeUnit.SECONDS);
                assertTrue("tail " + i + " running: " + first, first != null && first.startsWith("it/gw/status (retained)"));
            } finally {
                Processes.stop(client);
            }
        }
        GatewayProcess.Result lb = gateway.shell("lb");
        assertEquals(lb.output(), 0, lb.status());
        Await.until("no command of a client gone still running", Duration.ofSeconds(5), () -> gateway.threads("pipe-") == 0);
    }

    /** As when the broker address is corrected while the gateway still tries a slow one. */
    @Test
    public void aConfigurationChangedWhileConnectingLeavesOneConnection() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "").start();
        int port = Ports.free();
        // a broker that answers a second late: each connection waits, then is passed on
        Process slow = new ProcessBuilder("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork",
                "SYSTEM:sleep 1; exec socat - TCP\\:127.0.0.1\\:" + broker.port)
                .redirectErrorStream(true).redirectOutput(folder.newFile("socat.log")).start();
        try {
            gateway.start();
            installMqtt("tcp://127.0.0.1:" + port, "");
            for (String id : List.of("gw1", "gw2", "gw3")) {
                GatewayProcess.Result set = gateway.shell("config:set dev.outrigger.mqtt gatewayId=" + id);
                assertEquals(set.output(), 0, set.status());
            }
            Await.until("connected as the last", Duration.ofSeconds(20),
                    () -> gateway.shell("mqtt:status").output().contains("connected since")
                            && gateway.log().contains("connecting to tcp://127.0.0.1:" + port + " as outrigger-gw3"));
            // the earlier attempts began sooner: ended, or they would have connected by now and stay
            Await.until("one connection left, and no attempt", Duration.ofSeconds(5),
                    () -> gateway.threads("MQTT Rec: ") == 1 && gateway.threads("MQTT Con: ") == 0);
        } finally {
            Processes.stop(slow);
        }
    }

    private int failedAttempts() throws Exception {
        Matcher m = Pattern.compile("(\\d+) attempt\\(s\\) failed").matcher(gateway.shell("mqtt:status").output());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private Set<String> subscribe(String filter) throws Exception {
        Set<String> received = ConcurrentHashMap.newKeySet();
        subscriber = new MqttAsyncClient(broker.uri(), "it-subscriber", new MemoryPersistence());
        subscriber.setCallback(new PahoCallback(received::add));
        MqttConnectionOptions o = new MqttConnectionOptions();
        subscriber.connect(o).waitForCompletion(10_000);
        subscriber.subscribe(filter, 1).waitForCompletion(10_000);
        return received;
    }
}
