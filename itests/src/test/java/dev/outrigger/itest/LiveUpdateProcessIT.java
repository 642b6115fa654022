package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The design's rule for live updates, for every bundle of Outrigger's at once: in a gateway running
 * all of them (the gateway feature, the embedded broker and the simulated radio, records flowing),
 * each bundle is updated in turn from the shell. Each comes back, no thread is left behind, and
 * every record accepted meanwhile is delivered.
 */
public class LiveUpdateProcessIT {

    /** Threads started by Outrigger's bundles and the libraries they run (Paho, the JDK's file watcher). */
    private static final List<String> OWN_THREADS = List.of("outrigger", "MQTT ", "FileSystemWatch", "SCR ", "fileinstall");

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private GatewayProcess gateway;
    private final Subscriptions subscriptions = new Subscriptions();

    @Before
    public void copyDistribution() throws Exception {
        gateway = new GatewayProcess(Distribution.copyTo(folder.newFolder("outrigger").toPath()));
    }

    @After
    public void stop() throws Exception {
        subscriptions.close();
        gateway.close();
    }

    @Test
    public void everyBundleUpdatedUnderLoadComesBackWithoutLeaksOrLoss() throws Exception {
        int brokerPort = Ports.free();
        int radioPort = Ports.free();
        Path etc = gateway.home.resolve("etc");
        Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install = gateway, broker, simulator\n");
        Files.writeString(etc.resolve("dev.outrigger.broker.cfg"), "port = " + brokerPort + "\n");
        Files.writeString(etc.resolve("dev.outrigger.mqtt.cfg"), "broker = tcp://127.0.0.1:" + brokerPort
                + "\ngatewayId = van\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n");
        Files.writeString(etc.resolve("dev.outrigger.simulator.cfg"), "port = " + radioPort + "\nintervalSeconds = 1\n");
        Files.writeString(etc.resolve("dev.outrigger.meshtastic-simulated.cfg"), "address = 127.0.0.1:" + radioPort + "\n");
        gateway.start();
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
        assertEquals(bundles.toString(), 13, bundles.size());
        long started = System.nanoTime();
        for (String bundle : bundles) {
            String id = gateway.bundleId(bundle);
            // the shell updating itself ends the very connection that asked: its answer may not arrive
            GatewayProcess.Result update = gateway.shell("update " + id);
            assertTrue(bundle + ": " + update.output(), update.status() == 0 || bundle.equals("dev.outrigger.shell"));
            Await.until(bundle + " back and every bundle Active", Duration.ofSeconds(15), () -> {
                GatewayProcess.Result lb = gateway.shell("lb");
                return lb.status() == 0 && lb.output().lines().filter(l -> l.matches("\\s*\\d+\\|.*"))
                        .allMatch(l -> l.contains("|Active"));
            });
        }

        System.out.printf("live updates: %d bundles updated one by one in %d ms; their threads before: %s%n", bundles.size(),
                (System.nanoTime() - started) / 1_000_000, threads);
        Await.until("the uplink connected again", Duration.ofSeconds(30),
                () -> gateway.shell("mqtt:status").output().contains("connected since"));
        // subscribed again: the embedded broker's update ended the first subscription
        Queue<String> after = subscriptions.subscribe("tcp://127.0.0.1:" + brokerPort, "outrigger/van/mesh/#");
        Await.until("records flowing after every update", Duration.ofSeconds(30), () -> after.size() >= 3);
        Await.until("every record accepted meanwhile delivered", Duration.ofSeconds(30),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
        assertTrue(gateway.shell("outbox:stats").output().matches("(?s).*dropped\\s+0\\b.*"));
        try {
            Await.until("the same threads as before the updates", Duration.ofSeconds(15), () -> ownThreads().equals(threads));
        } catch (AssertionError differ) {
            assertEquals("threads by name before and after the updates: none left behind", threads, ownThreads());
        }
    }

    /** Outrigger's threads by name (as Linux keeps it: 15 characters) and how many of each. */
    private Map<String, Integer> ownThreads() throws Exception {
        Map<String, Integer> named = new TreeMap<>();
        for (String name : gateway.threadNames()) {
            if (OWN_THREADS.stream().anyMatch(name::startsWith)) {
                named.merge(name, 1, Integer::sum);
            }
        }
        return named;
    }
}
