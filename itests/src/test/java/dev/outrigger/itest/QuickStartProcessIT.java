package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * The quick start as shipped (etc/dev.outrigger.feature.cfg of the distribution): records of the
 * simulated radio flow through the embedded broker with no broker installed, visible to any MQTT
 * client and in the shell, and remote configuration answers through it. And the design's rule for
 * live updates, for every bundle of Outrigger's at once. Ports are moved to free ones so that the
 * tests never meet a real broker.
 */
public class QuickStartProcessIT {

    /** Threads started by Outrigger's bundles and the libraries they run (Paho, the JDK's file watcher). */
    private static final List<String> OWN_THREADS = List.of("outrigger", "MQTT ", "FileSystemWatch", "SCR ", "fileinstall");
    /**
     * Threads that end by themselves, whatever is updated: the launcher's one-shot class data
     * archive writer, and SCR's timer for service change counts, which comes and goes with changes.
     */
    private static final List<String> PASSING_THREADS = List.of("outrigger-cds", "SCR Component R");

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private GatewayProcess gateway;
    private final Subscriptions subscriptions = new Subscriptions();

    @Before
    public void copyDistribution() throws Exception {
        gateway = folder.gateway("outrigger");
        // as shipped: the quick-start demo
        Files.copy(Distribution.HOME.resolve("etc/dev.outrigger.feature.cfg"), gateway.home.resolve("etc/dev.outrigger.feature.cfg"),
                StandardCopyOption.REPLACE_EXISTING);
        gateway.environment.remove("OUTRIGGER_CDS"); // as shipped: the archive is written meanwhile
    }

    @After
    public void stop() throws Exception {
        subscriptions.close();
    }

    @Test
    public void recordsFlowThroughTheEmbeddedBrokerOutOfTheBox() throws Exception {
        assertTrue(Files.readString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"))
                .contains("install = broker, mqtt, simulator, meshtastic"));
        FreePorts ports = startWithHealthEndpoint();
        int brokerPort = ports.broker();
        String uri = "tcp://127.0.0.1:" + brokerPort;
        Await.until("the embedded broker listening", Duration.ofSeconds(20),
                () -> gateway.shell("broker:status").output().contains("listening   127.0.0.1:" + brokerPort));

        Queue<String> status = subscriptions.subscribe(uri, "outrigger/van/status");
        Await.until("the gateway's retained online status", Duration.ofSeconds(20),
                () -> status.stream().anyMatch(s -> s.contains("\"online\"")));
        Queue<String> records = subscriptions.subscribe(uri, "outrigger/van/mesh/#");
        Await.until("mesh records from the simulated radio", Duration.ofSeconds(30), () -> records.size() >= 3);
        assertTrue("a first start warns of nothing: " + gateway.log(),
                gateway.log().lines().noneMatch(line -> line.contains(" WARN ") || line.contains(" ERROR ")));

        // a third-party MQTT 3.1.1 client sees the same
        Process sub = new ProcessBuilder("mosquitto_sub", "-V", "mqttv311", "-h", "127.0.0.1", "-p", String.valueOf(brokerPort),
                "-t", "outrigger/van/mesh/#", "-C", "1", "-W", "20").redirectErrorStream(true).start();
        try {
            String line = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, sub.waitFor());
            assertTrue(line, line.startsWith("{") && line.contains("\"sender\":\"!5a1a0001\""));
        } finally {
            sub.destroyForcibly();
        }

        // remote configuration, MQTT 5 request/response through the embedded broker
        Process rr = new ProcessBuilder("mosquitto_rr", "-h", "127.0.0.1", "-p", String.valueOf(brokerPort), "-q", "1",
                "-t", "outrigger/van/config/get", "-e", "it/replies", "-m", "{\"pid\": \"dev.outrigger.simulator\"}",
                "-W", "10").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String reply = new String(rr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, rr.waitFor());
            assertTrue(reply, reply.contains("\"ok\":true") && reply.contains(String.valueOf(ports.radio())));
        } finally {
            rr.destroyForcibly();
        }

        // /metrics as Prometheus reads it (its own parser, Debian's python3-prometheus-client): the flow just seen
        Map<String, Double> metrics = Await.value("the records delivered, in the metrics", Duration.ofSeconds(20), () -> {
            Map<String, Double> scraped = gateway.metrics();
            return scraped.getOrDefault("outrigger_outbox_delivered_total", 0.0) >= 3 ? scraped : null;
        });
        assertEquals(metrics.toString(), 1.0, metrics.get("outrigger_healthy"), 0);
        assertEquals(metrics.toString(), 1.0, metrics.get("outrigger_mqtt_connected"), 0);
        assertEquals("each of Outrigger's bundles with its version: " + metrics, 1.0,
                metrics.get("outrigger_bundle_info{bundle=\"dev.outrigger.mqtt\",version=\"0.1.0.SNAPSHOT\"}"), 0);
        assertEquals(metrics.toString(), 1.0, metrics.get("outrigger_mesh_radio_live{radio=\"127.0.0.1:" + ports.radio() + "\"}"), 0);
        assertTrue(metrics.toString(), metrics.get("outrigger_outbox_appended_total") >= metrics.get("outrigger_outbox_delivered_total"));
        assertTrue(metrics.toString(), metrics.get("process_resident_memory_bytes") > 16 << 20);
        assertTrue("the uplink and subscribers of this test: " + metrics, metrics.get("outrigger_broker_clients") >= 2);
        assertTrue(metrics.toString(), metrics.get("outrigger_broker_received_total") >= metrics.get("outrigger_outbox_delivered_total"));

        String tail = gateway.shell("mqtt:tail -n 1 -t 20 mesh/#").output();
        assertTrue(tail, tail.contains("outrigger/van/mesh/"));
        // without a filter (or an unquoted #, which Gogo takes for a comment): this gateway's topics, its status retained
        String everything = gateway.shell("mqtt:tail -n 1 -t 20 #").output();
        assertTrue(everything, everything.startsWith("outrigger/van/"));
        String brokerStatus = gateway.shell("broker:status").output();
        assertTrue(brokerStatus, brokerStatus.contains("outrigger-van") && brokerStatus.contains(" 0 dropped"));
        assertTrue(gateway.log(), !gateway.log().contains("connection to tcp://127.0.0.1:" + brokerPort + " lost"));

        // a client with a persistent session (clean session off), away during the update
        String[] logger = { "mosquitto_sub", "-V", "mqttv311", "-h", "127.0.0.1", "-p", String.valueOf(brokerPort), "-c", "-i",
                "it-logger", "-q", "1", "-C", "1", "-W", "15", "-t" };
        assertTrue(mosquittoSub(logger, "outrigger/van/mesh/#").contains("\"sender\":\"!5a1a0001\""));

        // the broker bundle updated while records flow: port and thread released and taken again,
        // the uplink reconnects, and what was appended meanwhile is delivered from the outbox
        assertEquals(1, gateway.threads("outrigger-broker"));
        GatewayProcess.Result update = gateway.shell("update " + gateway.bundleId("dev.outrigger.broker"));
        assertEquals(update.output(), 0, update.status());
        Await.until("listening again on the same port", Duration.ofSeconds(10),
                () -> gateway.shell("broker:status").output().contains("listening   127.0.0.1:" + brokerPort));
        Await.until("the uplink back", Duration.ofSeconds(15),
                () -> gateway.shell("mqtt:status").output().contains("connected since"));
        Queue<String> after = subscriptions.subscribe(uri, "outrigger/van/mesh/#");
        Await.until("records flowing again", Duration.ofSeconds(20), () -> !after.isEmpty());
        Await.until("nothing left behind in the outbox", Duration.ofSeconds(20),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
        Await.until("one broker thread, none leaked", Duration.ofSeconds(5), () -> gateway.threads("outrigger-broker") == 1);
        assertTrue("the persistent session kept across the update: its subscription delivers without subscribing again",
                mosquittoSub(logger, "it/nothing").contains("\"sender\":\"!5a1a0001\""));

        // a second gateway named alike takes the uplink's client id: the broker says so, and so does the log
        String[] twin = { "mosquitto_sub", "-V", "mqttv5", "-h", "127.0.0.1", "-p", String.valueOf(brokerPort), "-i",
                "outrigger-van", "-C", "1", "-W", "3", "-t" };
        mosquittoSub(twin, "it/nothing");
        Await.until("the takeover said in words", Duration.ofSeconds(10), () -> gateway.log().contains(
                "lost: another client connected with the same client id outrigger-van: two gateways with one gatewayId?"));
    }

    /**
     * The quick start on a Pi that already runs a mosquitto of its own on the broker's port: the
     * uplink uses that one, and health names the embedded broker that cannot listen, until it does.
     */
    @Test
    public void aMosquittoOfItsOwnOnTheBrokersPortServesTheUplinkAndHealthSaysWhy() throws Exception {
        int port;
        try (Mosquitto theirs = new Mosquitto(folder.newFolder("mosquitto").toPath(), "").start()) {
            port = theirs.port;
            Files.writeString(gateway.home.resolve("etc/dev.outrigger.broker.cfg"), "bind = 127.0.0.1\nport = " + port + "\n");
            Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"), "broker = " + theirs.uri()
                    + "\nroot = outrigger\ngatewayId = van\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n");
            gateway.start();
            String problem = "Embedded MQTT broker cannot listen on 127.0.0.1:" + port + " (Address already in use)";
            Await.until("health naming the broker that cannot listen", Duration.ofSeconds(20), () -> {
                GatewayProcess.Result health = gateway.shell("health");
                return health.status() == 1 && health.output().contains(problem);
            });
            Await.until("the uplink on their mosquitto", Duration.ofSeconds(20),
                    () -> gateway.shell("mqtt:status").output().contains("connected since"));
            assertTrue(gateway.shell("broker:status").output().contains("listening   no: " + problem + "; retrying"));
        }
        // their mosquitto gone (uninstalled, say): the embedded broker takes the port, at its next try (30 s apart at most)
        Await.until("the embedded broker listening, and the runtime healthy", Duration.ofSeconds(40),
                () -> gateway.shell("broker:status").output().contains("listening   127.0.0.1:" + port)
                        && gateway.shell("health").status() == 0);
    }

    /** One message with mosquitto_sub, or what it said instead. */
    private static String mosquittoSub(String[] command, String filter) throws Exception {
        String[] full = Arrays.copyOf(command, command.length + 1);
        full[command.length] = filter;
        Process sub = new ProcessBuilder(full).redirectErrorStream(true).start();
        try {
            String out = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            sub.waitFor(20, TimeUnit.SECONDS);
            return out;
        } finally {
            sub.destroyForcibly();
        }
    }

    @Test
    public void everyBundleUpdatedUnderLoadComesBackWithoutLeaksOrLoss() throws Exception {
        // every feature: the gateway's, the embedded broker and the simulated radio
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = gateway, broker, simulator\n");
        SystemdUnit unit = new SystemdUnit(gateway.home);
        Map<String, String> readOnly = unit.readOnlyPart(GatewayProcess.LOG);
        int brokerPort = startWithHealthEndpoint().broker();
        Await.until("the uplink connected", Duration.ofSeconds(30),
                () -> gateway.shell("mqtt:status").output().contains("connected since"));
        Queue<String> records = subscriptions.subscribe("tcp://127.0.0.1:" + brokerPort, "outrigger/van/mesh/#");
        Await.until("records flowing", Duration.ofSeconds(30), () -> records.size() >= 3);
        Map<String, Integer> threads = ownThreads();

        // api exports packages: replacing it takes a refresh of every bundle, a restart in all but name
        List<String> bundles = gateway.shell("lb -s").output().lines()
                .filter(l -> l.contains("|dev.outrigger.") && !l.contains("|dev.outrigger.api "))
                .map(l -> l.split("\\|")[3].trim().split(" ")[0])
                // the shell last: updating it ends the connection that asks
                .sorted(Comparator.comparing((String b) -> b.equals("dev.outrigger.shell"))).toList();
        assertEquals(bundles.toString(), 15, bundles.size());
        long started = System.nanoTime();
        for (String bundle : bundles) {
            String id = gateway.bundleId(bundle);
            // the shell updating itself ends the very connection that asked: its answer may not arrive
            GatewayProcess.Result update = gateway.shell("update " + id);
            assertTrue(bundle + ": " + update.output(), update.status() == 0 || bundle.equals("dev.outrigger.shell"));
            Await.until(bundle + " back and every bundle Active", Duration.ofSeconds(15), () -> {
                GatewayProcess.Result lb = gateway.shell("lb");
                return lb.status() == 0 && GatewayProcess.bundleLines(lb.output()).stream().allMatch(l -> l.contains("|Active"));
            });
        }

        System.out.printf(Locale.ROOT, "live updates: %d bundles updated one by one in %d ms; their threads before: %s%n",
                bundles.size(),
                (System.nanoTime() - started) / 1_000_000, threads);
        Await.until("the uplink connected again", Duration.ofSeconds(30),
                () -> gateway.shell("mqtt:status").output().contains("connected since"));
        // subscribed again: the embedded broker's update ended the first subscription
        Queue<String> after = subscriptions.subscribe("tcp://127.0.0.1:" + brokerPort, "outrigger/van/mesh/#");
        Await.until("records flowing after every update", Duration.ofSeconds(30), () -> after.size() >= 3);
        Await.until("every record accepted meanwhile delivered", Duration.ofSeconds(30),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
        assertTrue(gateway.shell("outbox:stats").output().matches("(?s).*dropped\\s+0\\b.*"));
        GatewayProcess.Result health = gateway.shell("health");
        assertEquals("every component up again: " + health.output(), 0, health.status());
        try {
            Await.until("the same threads as before the updates", Duration.ofSeconds(15), () -> ownThreads().equals(threads));
        } catch (AssertionError differ) {
            assertEquals("threads by name before and after the updates: none left behind", threads, ownThreads());
        }

        // run by the shipped systemd unit, everything but etc/, deploy/ and data/ is read-only to it
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        assertEquals("nothing written outside the systemd unit's ReadWritePaths " + unit.writablePaths(),
                readOnly, unit.readOnlyPart(GatewayProcess.LOG));
    }

    /**
     * Starts the gateway with the features etc/dev.outrigger.feature.cfg names (the embedded broker
     * and the simulated radio on the free ports the test's gateway has) and its health endpoint.
     */
    private FreePorts startWithHealthEndpoint() throws Exception {
        gateway.enableHealthEndpoint();
        gateway.start();
        return gateway.ports;
    }

    /** Outrigger's threads by name (as Linux keeps it: 15 characters) and how many of each. */
    private Map<String, Integer> ownThreads() throws Exception {
        Map<String, Integer> named = new TreeMap<>();
        for (String name : gateway.threadNames()) {
            if (OWN_THREADS.stream().anyMatch(name::startsWith) && PASSING_THREADS.stream().noneMatch(name::startsWith)) {
                named.merge(name, 1, Integer::sum);
            }
        }
        return named;
    }
}
