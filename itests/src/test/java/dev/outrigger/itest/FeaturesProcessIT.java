package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import static dev.outrigger.itest.GatewayProcess.bundleLines;
import static dev.outrigger.itest.GatewayProcess.lines;

import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import dev.outrigger.framework.Ports;

/**
 * What is installed, as a user runs the distribution: features from etc/ and the shell, the
 * ser2net importer, and upgrades of the distribution under a kept data folder.
 */
public class FeaturesProcessIT {

    private static final String FIXTURE_BSN = "dev.outrigger.itest.fixture";

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private GatewayProcess gateway;

    @Before
    public void copyDistribution() throws Exception {
        // a space in the path, as in "/home/pi/Edge Gateway": bin/outrigger-upgrade keeps it one argument
        gateway = folder.gateway("edge gateway");
    }

    @Test
    public void aConfiguredFeatureThatDoesNotExistKeepsNoneOfTheOthersOut() throws Exception {
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = gsp, gps\n");
        gateway.start();
        Await.until("the gps feature installed", Duration.ofSeconds(10),
                () -> lines(gateway.shell("feature:list").output(), "gps ").get(0).contains("installed"));
        Await.until("the misspelt feature logged", Duration.ofSeconds(5),
                () -> gateway.log().contains("Cannot install the configured feature gsp: no feature named gsp in "));
        assertTrue(gateway.log(), gateway.log().contains("(there are broker, core, deviceplugin, gateway, gps, "));
        // the bundles deploy/ boots may still be starting: what stays is the one problem
        GatewayProcess.Result health = Await.value("the health down to its lasting problem", Duration.ofSeconds(10), () -> {
            GatewayProcess.Result now = gateway.shell("health");
            return now.output().lines().count() == 1 && now.output().contains("gsp") ? now : null;
        });
        assertEquals(health.output(), 1, health.status());
        assertTrue(health.output(), health.output().matches(
                "error: file:.*/etc/dev.outrigger.feature.cfg: install: no feature named gsp in .*\\(there are broker, .*\\)\\s*"));

        // from the shell (and remotely) the same mistake is refused before it is applied
        GatewayProcess.Result set = gateway.shell("config:set dev.outrigger.feature install=gps,mqtt,msh");
        assertEquals(set.output(), 1, set.status());
        assertTrue(set.output(), set.output().contains("install: no feature named msh in "));
        assertEquals("the file left as it was", "install = gsp, gps\n",
                Files.readString(gateway.home.resolve("etc/dev.outrigger.feature.cfg")));
        assertFalse("nothing of it applied", lines(gateway.shell("feature:list").output(), "mqtt ").get(0).contains("installed"));
    }

    /**
     * The readiness probe (and {@code health}, the node's conditions, the status on MQTT) says not
     * ready while the configured features are being installed, so a DaemonSet's rolling update
     * moves on only once the gateway runs as configured; a configured feature that cannot be
     * installed (a jar missing from the repository) keeps it not ready, saying why, until it is.
     */
    @Test
    public void theRuntimeIsReadyOnlyOnceTheConfiguredFeaturesAreInstalled() throws Exception {
        Path feature = gateway.home.resolve("etc/dev.outrigger.feature.cfg");
        Files.writeString(feature, "install = broker, mqtt, meshtastic, simulator\n");
        gateway.enableHealthEndpoint();
        gateway.launch();
        List<String> notReady = new ArrayList<>();
        Await.until("ready, says /readyz", Duration.ofSeconds(30), () -> {
            HttpResponse<String> ready = gateway.health("/readyz");
            notReady.add(ready.body());
            return ready.statusCode() == 200;
        });
        assertTrue("ready only once the last feature is in: " + gateway.log(), gateway.log().contains("Feature simulator installed"));
        assertTrue(String.join("\n", notReady), notReady.stream()
                .anyMatch(body -> body.contains("feature simulator is being installed, as dev.outrigger.feature says")));

        Path gps = Distribution.bundles("gps").stream().filter(e -> e.artifact().artifactId().equals("dev.outrigger.gps")).findFirst()
                .orElseThrow().artifact().in(gateway.home.resolve("repository"));
        Path aside = Files.move(gps, gps.resolveSibling("gps.jar.aside"));
        Files.writeString(feature, "install = broker, mqtt, meshtastic, simulator, gps\n");
        // alone, once the component that follows the list has taken the new one (it is down while it does)
        String why = Await.value("the feature that cannot be installed named, alone", Duration.ofSeconds(20), () -> {
            GatewayProcess.Result health = gateway.shell("health");
            return health.status() != 0 && health.output().contains("feature gps is not installed")
                    && health.output().lines().filter(l -> !l.isBlank()).count() == 1 ? health.output() : null;
        });
        assertTrue(why, why.contains("feature gps is not installed, as dev.outrigger.feature says it should be: "));
        assertEquals(503, gateway.health("/readyz").statusCode());

        Files.move(aside, gps);
        assertEquals(0, gateway.shell("feature:install gps").status());
        Await.until("healthy once it is installed", Duration.ofSeconds(10), () -> gateway.shell("health").status() == 0);
    }

    /**
     * A stop while the configured features are being installed (systemd stopping a gateway that is
     * still coming up) is a clean stop: no error, nothing left running. The next start installs
     * what is missing, and starts what was installed but not yet started — after a power cut too.
     */
    @Test
    public void aStopWhileTheFeaturesAreInstalledIsCleanAndTheNextStartFinishesThem() throws Exception {
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = broker, mqtt, meshtastic, simulator\n");
        gateway.launch();
        Await.until("the first feature installed, the others on their way", Duration.ofSeconds(20),
                () -> gateway.log().contains("Feature broker installed"));
        assertEquals(gateway.log(), 0, gateway.terminate(Duration.ofSeconds(5)));
        assertFalse(gateway.log(), gateway.log().contains("ERROR") || gateway.log().contains("Exception"));
        gateway.start();
        Await.until("every feature installed, and healthy", Duration.ofSeconds(20), () -> gateway.shell("health").status() == 0
                && lines(gateway.shell("feature:list").output(), "simulator ").get(0).contains("installed"));

        // from the shell, which no configuration lists for the next start to finish
        CompletableFuture<GatewayProcess.Result> install = CompletableFuture.supplyAsync(() -> {
            try {
                return gateway.shell("feature:install gps kube");
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        Await.until("the next features on their way", Duration.ofSeconds(20), () -> gateway.log().contains("Feature gps installed"));
        gateway.kill(); // a power cut
        assertTrue("the shell saw the runtime go", install.handle((result, e) -> e != null || result.status() != 0).get());
        gateway.start();
        // healthy: no bundle of the feature left installed but stopped (the power may have gone
        // before kube's installation began; then it is not there at all, as the shell said)
        try {
            Await.until("healthy after the power cut", Duration.ofSeconds(30), () -> gateway.shell("health").status() == 0);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + gateway.shell("health").output() + gateway.log(), e);
        }
        String kube = gateway.shell("feature:list").output().lines().filter(l -> l.startsWith("kube ")).findFirst().orElseThrow();
        assertTrue(kube, kube.contains(" installed ") || kube.contains(" - "));
    }

    /**
     * Bundles of a feature left without their libraries (an uninstall a power cut ended half way,
     * libraries removed by hand) cannot resolve, and wait, stopped. Installing the feature again
     * brings the libraries back and starts those bundles too: the runtime is healthy again.
     */
    @Test
    public void aFeatureInstalledAgainStartsItsBundlesThatWaitedForItsLibraries() throws Exception {
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = broker, mqtt\n");
        gateway.start();
        Await.until("healthy", Duration.ofSeconds(30), () -> gateway.shell("health").status() == 0);
        String outbox = gateway.bundleId("dev.outrigger.outbox");
        String paho = gateway.bundleId("org.eclipse.paho.mqttv5.client.wrapped");
        assertEquals(0, gateway.shell("uninstall " + outbox + " " + paho).status());
        assertEquals(0, gateway.shell("refresh").status());
        Await.until("the mqtt bundle waiting for its libraries", Duration.ofSeconds(10),
                () -> gateway.shell("health").output().contains("bundle dev.outrigger.mqtt is installed"));

        GatewayProcess.Result installed = gateway.shell("feature:install mqtt");
        assertTrue(installed.output(), installed.output().startsWith("mqtt: 2 bundle(s) added"));
        try {
            Await.until("healthy again", Duration.ofSeconds(20), () -> gateway.shell("health").status() == 0);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + gateway.shell("health").output(), e);
        }
    }

    /**
     * An uninstall a power cut ended half way, after the library went and before the bundle that
     * needs it did: that bundle cannot start. Written down before the first bundle went, the
     * feature is made whole at the next start, though no configuration lists it.
     */
    @Test
    public void anUninstallAPowerCutEndedHalfWayLeavesTheFeatureWholeAtTheNextStart() throws Exception {
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = broker, mqtt\n");
        gateway.start();
        GatewayProcess.Result installed = gateway.shell("feature:install deviceplugin");
        assertTrue(installed.output(), installed.output().startsWith("deviceplugin: 2 bundle(s) added"));
        Await.until("healthy", Duration.ofSeconds(30), () -> gateway.shell("health").status() == 0);

        // where feature:uninstall deviceplugin stands once it has removed protobuf-java, its first bundle
        Files.writeString(gateway.home.resolve("data/feature-unfinished"), "deviceplugin");
        assertEquals(0, gateway.shell("uninstall " + gateway.bundleId("com.google.protobuf")).status());
        assertEquals(0, gateway.shell("refresh").status());
        Await.until("the device plugin waiting for its library", Duration.ofSeconds(10),
                () -> gateway.shell("health").output().contains("bundle dev.outrigger.deviceplugin is installed"));
        gateway.kill();

        gateway.start();
        try {
            Await.until("healthy again, the feature whole", Duration.ofSeconds(30), () -> gateway.shell("health").status() == 0);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + gateway.shell("health").output() + gateway.log(), e);
        }
        assertTrue(gateway.log(), gateway.log().contains("Feature deviceplugin: finishing its installation, which a stop cut short"));
        assertTrue(lines(gateway.shell("feature:list").output(), "deviceplugin ").get(0).contains("installed"));
        assertFalse("nothing left to finish", Files.exists(gateway.home.resolve("data/feature-unfinished")));
    }

    /**
     * A feature file of one's own written wrong (a trailing comma) takes no other feature with it:
     * those configured are installed all the same; the list and an install of it say why it cannot
     * be read, the log once.
     */
    @Test
    public void aFeatureFileWrittenWrongTakesNoOtherFeatureWithIt() throws Exception {
        Path mine = gateway.home.resolve("features/mine.json");
        Files.writeString(mine, "{\n  \"id\": \"me:mine:1.0\",\n  \"bundles\": [ { \"id\": \"me:x:1.0\" }, ]\n}\n");
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = mqtt\n");
        gateway.start();
        Await.until("mqtt installed all the same", Duration.ofSeconds(20), () -> gateway.log().contains("Feature mqtt installed"));

        String list = gateway.shell("feature:list").output();
        assertTrue(list, list.lines().filter(l -> l.startsWith("mqtt ")).findFirst().orElseThrow().contains(" installed "));
        assertTrue(list, list.contains("cannot be read: " + mine + " is not valid JSON (") && list.contains(" at line 3, column "));
        GatewayProcess.Result install = gateway.shell("feature:install mine");
        assertEquals(install.output(), 1, install.status());
        assertTrue(install.output(), install.output().startsWith("error: feature mine cannot be read: " + mine + " is not valid JSON"));
        assertEquals(gateway.log(), 1, lines(gateway.log(), "Feature file left out, the other features are not affected: " + mine
                + " is not valid JSON").size());
    }

    /** The fixture as a feature in the distribution's repository, with a configuration of its own. */
    private void greeterFeature() throws IOException {
        Path repository = gateway.home.resolve("repository/dev/outrigger/" + FIXTURE_BSN + "/0.1.0-SNAPSHOT");
        Files.createDirectories(repository);
        Files.copy(Distribution.FIXTURE, repository.resolve(FIXTURE_BSN + "-0.1.0-SNAPSHOT.jar"));
        Files.writeString(gateway.home.resolve("features/fixture.json"), """
                {
                  "feature-resource-version": "1.0",
                  "id": "dev.outrigger:fixture:0.1.0-SNAPSHOT",
                  "description": "A feature for tests",
                  "bundles": [ { "id": "dev.outrigger:dev.outrigger.itest.fixture:0.1.0-SNAPSHOT" } ],
                  "configurations": { "dev.outrigger.itest.greeter": { "greeting": "from the feature" } }
                }
                """);
    }

    @Test
    public void featuresInstallAndUninstallLiveFromTheLocalRepository() throws Exception {
        greeterFeature();
        gateway.start();

        String list = gateway.shell("feature:list").output();
        assertTrue(list, lines(list, "core").get(0).contains("installed"));
        assertFalse(list, lines(list, "fixture").get(0).contains("installed"));
        assertEquals("its jSerialComm is there for serial: " + list, "-", state(list, "simulator"));
        assertEquals(list, "partial", state(list, "gateway"));

        GatewayProcess.Result none = gateway.shell("feature:install");
        assertEquals("no name is no success: " + none.output(), 1, none.status());
        assertEquals("error: which features? feature:install <name>...; feature:list lists them", none.output().trim());

        GatewayProcess.Result install = gateway.shell("feature:install fixture");
        assertEquals(install.output(), 0, install.status());
        Await.until("the feature's bundle with the feature's configuration", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("from the feature"));
        assertEquals("started configured, not with its defaults first", "from the feature",
                gateway.shell("fixture:first").output().trim());
        assertTrue(lines(gateway.shell("feature:list").output(), "fixture").get(0).contains("installed"));
        assertTrue("the feature's configuration lives in etc/, where it can be edited",
                Files.readString(gateway.home.resolve("etc/dev.outrigger.itest.greeter.cfg")).contains("from the feature"));

        assertEquals(0, gateway.shell("feature:uninstall fixture").status());
        assertFalse(gateway.shell("lb").output().contains("test fixture"));
        assertEquals("core cannot be uninstalled", 1, gateway.shell("feature:uninstall core").status());
        assertEquals("an unknown feature is an error", 1, gateway.shell("feature:install nosuch").status());

        // gateway: the production set, in one step, and out again in one step
        assertEquals(0, gateway.shell("feature:install gateway").status());
        int all = Distribution.bundles("gateway").size() + 1;
        Await.until("every bundle of gateway Active", Duration.ofSeconds(10), () -> {
            List<String> lb = bundleLines(gateway.shell("lb").output());
            return lb.size() == all && lb.stream().allMatch(l -> l.contains("|Active"));
        });
        list = gateway.shell("feature:list").output();
        for (String included : List.of("gateway", "serial", "meshtastic", "gps", "mqtt", "kube", "deviceplugin")) {
            assertEquals(list, "installed", state(list, included));
        }
        assertEquals(0, gateway.shell("feature:uninstall gateway").status());
        assertEquals("what feature:install added is gone; core and serial, from bundle/ and deploy/, stay",
                Distribution.bundles("core").size() + Distribution.bundles("serial").size() + 1,
                bundleLines(gateway.shell("lb").output()).size());
        list = gateway.shell("feature:list").output();
        assertEquals(list, "-", state(list, "mqtt"));
        assertEquals(list, "installed", state(list, "serial"));
    }

    /**
     * Moving over from ser2net: its configuration becomes bridges, validated like any change, each
     * listening where ser2net did; what cannot be a bridge is named, and the importer goes again.
     */
    @Test
    public void aSer2netConfigurationBecomesBridgesAndTheImporterGoesAgain() throws Exception {
        gateway.start();
        // the features the runtime installs at its start first, so that installing and uninstalling here meet none of theirs
        Await.until("the configured features installed", Duration.ofSeconds(30), () -> gateway.shell("health").status() == 0);
        int port = Ports.free();
        Path yaml = Files.writeString(folder.getRoot().toPath().resolve("ser2net.yaml"), """
                %YAML 1.1
                ---
                connection: &zigbee
                    accepter: tcp,127.0.0.1,PORT
                    connector: serialdev,
                              /dev/ttyNOTHERE,
                              115200n81,local,dtr=off,rts=off
                    options:
                      kickolduser: true
                connection: &radio
                    accepter: udp,4000
                    connector: serialdev,/dev/ttyUSB9
                """.replace("PORT", Integer.toString(port)));
        assertEquals("not in the boot features", 1, gateway.shell("ser2net:import " + yaml).status());
        assertEquals(0, gateway.shell("feature:install ser2net").status());

        GatewayProcess.Result imported = gateway.shell("ser2net:import " + yaml);
        assertEquals(imported.output(), 0, imported.status());
        assertTrue(imported.output(), imported.output().contains("zigbee (line 3): made dev.outrigger.bridge~zigbee")
                && imported.output().contains("radio (line 10): skipped: accepter udp,4000: only tcp")
                && imported.output().contains("1 of 2 connection(s) made bridges"));
        assertEquals("written as a person writes it", List.of("baud = 115200", "bind = 127.0.0.1", "dataBits = 8",
                "device = /dev/ttyNOTHERE", "dtr = false", "maxClients = 1", "parity = none", "policy = kickolduser",
                "port = " + port, "rts = false", "stopBits = 1"),
                Files.readAllLines(gateway.home.resolve("etc/dev.outrigger.bridge-zigbee.cfg")).stream().sorted().toList());
        String told = Await.value("the bridge listening where ser2net did", Duration.ofSeconds(10), () -> {
            try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(2_000);
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        });
        assertEquals("outrigger: /dev/ttyNOTHERE: device not present\r\n", told);

        GatewayProcess.Result again = gateway.shell("ser2net:import " + yaml);
        assertTrue(again.output(), again.output().contains("left as it is: dev.outrigger.bridge~zigbee exists"));
        GatewayProcess.Result broken = gateway.shell("ser2net:import " + Files.writeString(yaml, "connection: [\n"));
        assertEquals(broken.output(), 1, broken.status());
        assertTrue(broken.output(), broken.output().contains(yaml + ": line 2: "));

        // ser2net 3's format, from an older Pi: told apart by its shape
        Path conf = Files.writeString(folder.getRoot().toPath().resolve("ser2net.conf"), "# ser2net 3\n2002:raw:0:/dev/ttyUSB7:9600\n");
        GatewayProcess.Result dryRun = gateway.shell("ser2net:import -n " + conf);
        assertTrue(dryRun.output(), dryRun.output().contains("port2002 (line 2): would be dev.outrigger.bridge~port2002: port=2002")
                && dryRun.output().contains("1 of 1 connection(s) would be bridges; nothing made (--dry-run)"));
        assertFalse(Files.exists(gateway.home.resolve("etc/dev.outrigger.bridge-port2002.cfg")));

        GatewayProcess.Result uninstalled = gateway.shell("feature:uninstall ser2net");
        assertEquals(uninstalled.output(), 0, uninstalled.status());
        assertTrue("the bridges stay without the importer", gateway.shell("bridge:list").output().contains("127.0.0.1:" + port));
        // a bridge whose device is not there: nothing to see on its tap
        assertEquals("nothing passed within 1 s\n", gateway.shell("bridge:tap -t 1 " + port).output());
    }

    /**
     * The install list is followed both ways, as going from the quick start's list to gateway needs:
     * a feature taken off it goes, with the configuration it brought unless that was changed.
     */
    @Test
    public void aFeatureTakenOffTheInstallListIsUninstalledEvenWhileStopped() throws Exception {
        greeterFeature();
        Path list = gateway.home.resolve("etc/dev.outrigger.feature.cfg");
        Path greeting = gateway.home.resolve("etc/dev.outrigger.itest.greeter.cfg");
        Files.writeString(list, "install = fixture, mqtt\n");
        gateway.start();
        Await.until("the listed features installed", Duration.ofSeconds(10),
                () -> gateway.shell("fixture:greet").output().contains("from the feature")
                        && "installed".equals(state(gateway.shell("feature:list").output(), "mqtt")));
        assertEquals("one from the shell, which the list leaves alone", 0, gateway.shell("feature:install gps").status());

        Files.writeString(list, "install =\n");
        Await.until("the feature and the configuration it brought gone", Duration.ofSeconds(10),
                () -> "-".equals(state(gateway.shell("feature:list").output(), "fixture")) && !Files.exists(greeting));
        assertTrue(gateway.log(), gateway.log().contains("Feature fixture is no longer in install of dev.outrigger.feature: "
                + "uninstalling it"));
        Await.until("the uninstallation logged", Duration.ofSeconds(5),
                () -> gateway.log().contains("Feature fixture uninstalled: 1 bundle(s) removed, 1 configuration(s) removed"));
        assertEquals("installed", state(gateway.shell("feature:list").output(), "gps"));
        assertEquals("remote requests are not taken away by a list that may have come that way",
                "installed", state(gateway.shell("feature:list").output(), "mqtt"));
        assertTrue(gateway.log(), gateway.log().contains("Feature mqtt is no longer in install of dev.outrigger.feature, but it "
                + "answers remote requests: left installed"));

        // listed again, its configuration changed, then taken off while the runtime is stopped
        Files.writeString(list, "install = fixture\n");
        Await.until("the feature back", Duration.ofSeconds(10),
                () -> gateway.shell("fixture:greet").output().contains("from the feature"));
        // the file deleted (or caught mid-way through an editor's save): no list at all, which takes nothing off
        Files.delete(list);
        Await.until("the list's configuration gone", Duration.ofSeconds(10),
                () -> gateway.shell("config:get dev.outrigger.feature").output().contains("(revision 0)"));
        Files.writeString(list, "install = fixture, mqtt\n");
        Await.until("the list after it carried out", Duration.ofSeconds(10), () -> Files.readAllLines(
                gateway.home.resolve("data/configured-features")).equals(List.of("fixture", "mqtt")));
        assertEquals(gateway.log(), 1, lines(gateway.log(), "Feature fixture is no longer in install").size());
        Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").status() == 0);

        assertEquals(0, gateway.shell("config:set dev.outrigger.itest.greeter greeting=mine").status());
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        Files.writeString(list, "install =\n");
        gateway.start();
        Await.until("the feature uninstalled at the start", Duration.ofSeconds(10),
                () -> "-".equals(state(gateway.shell("feature:list").output(), "fixture")));
        Await.until("the uninstallation logged", Duration.ofSeconds(5),
                () -> gateway.log().contains("0 configuration(s) removed; kept etc/dev.outrigger.itest.greeter.cfg (changed since)"));
        assertTrue(Files.readString(greeting).contains("mine"));
        assertEquals("installed", state(gateway.shell("feature:list").output(), "gps"));
    }

    @Test
    public void anUpgradeUnderAKeptDataFolderUpdatesWhatFeaturesAndDeployInstalled() throws Exception {
        Path versions = gateway.home.resolve("repository/dev/outrigger/" + FIXTURE_BSN);
        fixtureFeature(versions, "0.1.0");
        gateway.start();
        assertEquals(0, gateway.shell("feature:install fixture").status());
        Await.until("the fixture", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").status() == 0);
        assertEquals(0, gateway.terminate(Duration.ofSeconds(10)));

        // the upgrade: a newer fixture in the repository, named by its feature; a jar in deploy/
        // changed in place, its name and time stamp as they were (reproducible builds)
        fixtureFeature(versions, "0.2.0");
        Path bridge;
        try (var jars = Files.list(gateway.home.resolve("deploy"))) {
            bridge = jars.filter(j -> j.getFileName().toString().startsWith("dev.outrigger.bridge-")).findFirst().orElseThrow();
        }
        FileTime stamp = Files.getLastModifiedTime(bridge);
        Jars.withHeaders(bridge, bridge, Map.of("Bundle-Version", "0.1.0.upgraded"));
        Files.setLastModifiedTime(bridge, stamp);
        gateway.start();

        Await.until("the changed deploy/ jar's bundle updated at start", Duration.ofSeconds(10),
                () -> gateway.shell("lb").output().contains("Outrigger serial bridge (0.1.0.upgraded)"));
        assertTrue("by the launcher, before anything ran the old code",
                gateway.log().contains("dev.outrigger.bridge 0.1.0.SNAPSHOT updated to 0.1.0.upgraded"));
        GatewayProcess.Result install = gateway.shell("feature:install fixture");
        assertTrue(install.output(), install.output().contains("1 updated"));
        // active once the start levels reach it (the shell answers while the runtime still comes up)
        List<String> fixtures = Await.value("the new version active", Duration.ofSeconds(10), () -> {
            List<String> now = lines(gateway.shell("lb").output(), "test fixture");
            return now.stream().anyMatch(l -> l.contains("0.2.0") && l.contains("|Active")) ? now : null;
        });
        assertEquals("updated, not joined by a second version: " + fixtures, 1, fixtures.size());
        assertEquals("installed", state(gateway.shell("feature:list").output(), "fixture"));
        assertEquals(0, gateway.shell("feature:uninstall fixture").status());
        assertFalse("what the old version's install put in goes with the feature",
                gateway.shell("lb").output().contains("test fixture"));
    }

    /** The fixture as a feature of its own, at the given version in the distribution's repository. */
    private void fixtureFeature(Path versions, String version) throws Exception {
        Files.createDirectories(versions.resolve(version));
        Jars.withHeaders(Distribution.FIXTURE, versions.resolve(version + "/" + FIXTURE_BSN + "-" + version + ".jar"),
                Map.of("Bundle-Version", version));
        Files.writeString(gateway.home.resolve("features/fixture.json"), String.format(Locale.ROOT, """
                {
                  "feature-resource-version": "1.0",
                  "id": "dev.outrigger:fixture:%s",
                  "bundles": [ { "id": "dev.outrigger:%s:%s" } ]
                }
                """, version, FIXTURE_BSN, version));
    }

    /** As bin/outrigger-upgrade leaves it when the power goes while the new folders take the old ones' places. */
    @Test
    public void anUpgradeAPowerCutInterruptedIsFinishedAtTheNextStart() throws Exception {
        Path staging = gateway.home.resolve(".upgrade.Xy12ab");
        Path upgrade = Distribution.copyTo(staging.resolve("outrigger"));
        for (String part : List.of("lib", "bin")) {
            Files.writeString(upgrade.resolve(part + "/NEW"), "the new version's\n");
        }
        Files.writeString(staging.resolve("swapping"), " lib bundle features repository systemd bin\n");
        // lib, bundle, features, repository and systemd done but lib half: the old one moved aside, the new not yet in
        for (String part : List.of("bundle", "features", "repository", "systemd")) {
            Files.move(gateway.home.resolve(part), staging.resolve("old-" + part));
            Files.move(upgrade.resolve(part), gateway.home.resolve(part));
        }
        Files.move(gateway.home.resolve("lib"), staging.resolve("old-lib"));

        gateway.start();
        assertTrue(gateway.log(), gateway.log().contains("outrigger-upgrade: finished the upgrade a power cut interrupted in " + staging));
        assertTrue("the new lib/ and bin/ in place", Files.exists(gateway.home.resolve("lib/NEW")) && Files.exists(gateway.home.resolve("bin/NEW")));
        assertFalse(Files.exists(staging));
        Await.until("healthy", Duration.ofSeconds(10), () -> gateway.shell("health").status() == 0);
    }

    @Test
    public void anUpgradeKeepsTheDataTheConfigurationYouChangedAndYourOwnJars() throws Exception {
        // an older version: its shell in bundle/, its bridge in deploy/ (shipped: in its repository/ too)
        String version = Distribution.bundles("core").stream().filter(e -> e.artifact().artifactId().equals("dev.outrigger.shell"))
                .findFirst().orElseThrow().artifact().version();
        Path shell = gateway.home.resolve("bundle/dev.outrigger.shell-" + version + ".jar");
        Jars.withHeaders(shell, gateway.home.resolve("bundle/dev.outrigger.shell-0.0.9.jar"), Map.of("Bundle-Version", "0.0.9"));
        Files.delete(shell);
        Path startLevels = gateway.home.resolve("etc/startup.properties");
        Files.writeString(startLevels, Files.readString(startLevels).replace("shell-" + version, "shell-0.0.9"));
        Path bridge = gateway.home.resolve("deploy/dev.outrigger.bridge-" + version + ".jar");
        Path oldBridge = Files.createDirectories(gateway.home.resolve("repository/dev/outrigger/dev.outrigger.bridge/0.0.9"))
                .resolve("dev.outrigger.bridge-0.0.9.jar");
        Jars.withHeaders(bridge, oldBridge, Map.of("Bundle-Version", "0.0.9"));
        Files.copy(oldBridge, gateway.home.resolve("deploy/dev.outrigger.bridge-0.0.9.jar"));
        Files.delete(bridge);
        // a file of etc/ whose default changed, left as shipped
        for (String copy : List.of("etc/gosh_profile", "lib/defaults/etc/gosh_profile")) {
            Files.writeString(gateway.home.resolve(copy), "# the old default\n", StandardOpenOption.APPEND);
        }
        // and what is the user's: etc/ files changed (GatewayProcess wrote some), a jar of their own
        Files.copy(Distribution.FIXTURE, gateway.home.resolve("deploy/" + FIXTURE_BSN + ".jar"));
        String mine = Files.readString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"));

        gateway.start();
        Await.until("the old version and the fixture running", Duration.ofSeconds(20), () -> {
            String lb = gateway.shell("lb").output();
            return lb.contains("Outrigger shell port (0.0.9)") && lb.contains("Outrigger serial bridge (0.0.9)")
                    && lb.contains("Active     |   80|Outrigger test fixture");
        });
        String fixtureId = lines(gateway.shell("lb").output(), "Outrigger test fixture").get(0).split("\\|")[0].trim();

        Path archive = Distribution.HOME.resolveSibling("outrigger.tar.gz");
        GatewayProcess.Result refused = gateway.bin("outrigger-upgrade", archive.toString());
        assertEquals(refused.output(), 1, refused.status());
        assertTrue(refused.output(), refused.output().contains("the runtime runs"));
        assertTrue("nothing changed", Files.exists(gateway.home.resolve("bundle/dev.outrigger.shell-0.0.9.jar")));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));

        // an earlier upgrade the power cut while it unpacked
        Path unpacked = Files.createDirectories(gateway.home.resolve(".upgrade.Ab34cd/outrigger/bundle"));
        Files.writeString(unpacked.resolve("dev.outrigger.shell.jar"), "half a jar");
        GatewayProcess.Result upgraded = gateway.bin("outrigger-upgrade", archive.toString());
        assertEquals(upgraded.output(), 0, upgraded.status());
        assertFalse("what the interrupted one unpacked is gone", Files.exists(unpacked.getParent().getParent()));
        assertTrue(upgraded.output(), upgraded.output().contains("kept your etc/dev.outrigger.feature.cfg"));
        assertEquals(mine, Files.readString(gateway.home.resolve("etc/dev.outrigger.feature.cfg")));
        assertEquals(Files.readString(Distribution.HOME.resolve("etc/dev.outrigger.feature.cfg")),
                Files.readString(gateway.home.resolve("etc/dev.outrigger.feature.cfg.dist")));
        assertEquals(Files.readString(Distribution.HOME.resolve("etc/gosh_profile")), Files.readString(gateway.home.resolve("etc/gosh_profile")));
        assertFalse(Files.exists(gateway.home.resolve("etc/gosh_profile.dist")));
        assertEquals(Files.readString(Distribution.HOME.resolve("etc/startup.properties")), Files.readString(startLevels));
        assertFalse(Files.exists(gateway.home.resolve("bundle/dev.outrigger.shell-0.0.9.jar")));
        assertTrue(Files.exists(shell));
        assertFalse(Files.exists(gateway.home.resolve("deploy/dev.outrigger.bridge-0.0.9.jar")));
        assertTrue(Files.exists(bridge));
        assertTrue(Files.exists(gateway.home.resolve("deploy/" + FIXTURE_BSN + ".jar")));

        gateway.start();
        Await.until("the new version running, the fixture as it was", Duration.ofSeconds(20), () -> {
            String lb = gateway.shell("lb").output();
            return !lb.contains("0.0.9") && lb.contains("Outrigger serial bridge (") && gateway.shell("health").status() == 0;
        });
        String lb = gateway.shell("lb").output();
        assertEquals("the framework cache kept: the fixture is the same bundle", fixtureId,
                lines(lb, "Outrigger test fixture").get(0).split("\\|")[0].trim());
        assertEquals(lb, 1, lines(lb, "Outrigger shell port").size());
    }

    /** A feature's state column in feature:list. */
    private static String state(String featureList, String name) {
        return featureList.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow().split("\\s+")[2];
    }
}
