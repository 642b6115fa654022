package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.yaml.snakeyaml.Yaml;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.deviceplugin.FakeKubelet;
import dev.outrigger.deviceplugin.proto.ContainerAllocateResponse;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.net.NetworkNamespace;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The kube feature in a real runtime process, against fabric8's mock API server in CRUD mode
 * (no real API server can run here), with a kubeconfig as outside a cluster: the Node follows a
 * radio plugged in and unplugged, its own labels and conditions only, and a Lease is kept.
 */
public class KubeProcessIT {

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private static final String POD = "outrigger-x7k2p";

    private KubernetesMockServer server;
    /** What the gateway asked of the API server, as RBAC names it: {@code nodes/status patch}, {@code leases update in outrigger}. */
    private final Set<String> gatewayCalls = new TreeSet<>();
    private KubernetesClient client;
    private GatewayProcess gateway;

    @Before
    public void apiServer() throws Exception {
        startApiServer(Ports.free());
        gateway = folder.gateway("outrigger");
    }

    /** An empty API server (CRUD mode keeps its objects in memory) on a fixed loopback port. */
    private void startApiServer(int port) {
        startApiServer(InetAddress.getLoopbackAddress(), port);
    }

    private void startApiServer(InetAddress address, int port) {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(address, port);
        client = server.createClient();
    }

    private void stopApiServer() throws InterruptedException {
        recordGatewayCalls();
        client.close();
        server.destroy();
    }

    /** The Node, as its kubelet registered it, and the gateway's Pod on it, as its DaemonSet made it. */
    private void createNodeAndPod() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("edge-it").addToLabels("example.com/radio", "true")
                .endMetadata().withNewStatus().addToCapacity("cpu", new Quantity("2")).endStatus().build()).create();
        client.pods().inNamespace("outrigger").resource(new PodBuilder().withNewMetadata().withName(POD).withNamespace("outrigger")
                .addToLabels("app.kubernetes.io/name", "outrigger").endMetadata().build()).create();
    }

    @After
    public void stop() throws InterruptedException {
        gateway.close();
        stopApiServer();
    }

    private Path configure(String extra) throws Exception {
        writeKubeconfig();
        return configureWithoutKubeconfig(extra);
    }

    private Path kubeconfig() {
        return folder.getRoot().toPath().resolve("kubeconfig");
    }

    private void writeKubeconfig() throws Exception {
        writeKubeconfig("http://127.0.0.1:" + server.getPort());
    }

    private void writeKubeconfig(String apiServer) throws Exception {
        Files.writeString(kubeconfig(), String.join("\n",
                "apiVersion: v1", "kind: Config", "clusters:", "- name: mock", "  cluster:",
                "    server: " + apiServer, "contexts:", "- name: mock", "  context:",
                "    cluster: mock", "    user: gateway", "current-context: mock", "users:", "- name: gateway", "  user:",
                "    token: test-token", ""));
    }

    private Path configureWithoutKubeconfig(String extra) throws Exception {
        Path kubeconfig = kubeconfig();
        Path etc = gateway.home.resolve("etc");
        Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install = kube, gps\n");
        Files.writeString(etc.resolve("dev.outrigger.kube.cfg"), "kubeconfig = " + kubeconfig + "\nnodeName = edge-it\n"
                + "namespace = outrigger\npodName = " + POD + "\n" + extra);
        return etc;
    }

    @Test
    public void theNodeFollowsWhatIsPluggedInAndALeaseIsKeptThroughAnApiOutage() throws Exception {
        createNodeAndPod();
        FakeSysfs tree = new FakeSysfs(folder.newFolder("host").toPath());
        Path etc = configure("mode = off\n");
        Files.writeString(etc.resolve("dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev
                + "\nproc = " + folder.getRoot() + "/proc\n");
        int bridgePort = Ports.free();
        Files.writeString(etc.resolve("dev.outrigger.discovery.profile-zigbee.cfg"), "vendorId = 10c4\nproductId = ea60\nrole = bridge\n"
                + "port = " + bridgePort + "\n");
        // a Raspberry Pi 5's device tree: NUL-terminated strings
        Path deviceTree = Files.createDirectories(folder.getRoot().toPath().resolve("proc/device-tree"));
        Files.writeString(deviceTree.resolve("model"), "Raspberry Pi 5 Model B Rev 1.0\0");
        Files.writeString(deviceTree.resolve("compatible"), "raspberrypi,5-model-b\0brcm,bcm2712\0");
        // its power and heat, as its kernel shows them
        tree.thermalZone(0, "cpu-thermal", 51.6);
        tree.underVoltageAlarm(false);
        gateway.enableHealthEndpoint();
        gateway.start();
        Await.until("the kube bundle installed, off", Duration.ofSeconds(20), () -> gateway.shell("kube:status").output().contains("off"));
        long off = gateway.rssKb();
        // on a k3s node the gateway may start before k3s wrote its kubeconfig: it waits for it
        Files.delete(kubeconfig());
        configureWithoutKubeconfig("");
        Await.until("waiting for the kubeconfig", Duration.ofSeconds(10), () -> gateway.log().contains(
                "Kubernetes: cannot read the kubeconfig " + kubeconfig() + " (no such file, yet); retrying every 30 s at most"));
        Await.until("kube:status saying so", Duration.ofSeconds(5),
                () -> gateway.shell("kube:status").output().contains("waiting for the kubeconfig"));
        writeKubeconfig();

        Await.until("the conditions on the Node", Duration.ofSeconds(20), () -> condition("OutriggerReady") != null);
        Await.until("the board's labels", Duration.ofSeconds(5), () -> "brcm.bcm2712".equals(labels().get("outrigger.dev/soc")));
        assertEquals("Raspberry_Pi_5_Model_B_Rev_1.0", labels().get("outrigger.dev/board"));
        assertEquals("False", condition("SerialDevicesPresent").getStatus());
        assertTrue(gateway.shell("device:list").output().startsWith("no serial device present"));
        assertEquals("NotInstalled", condition("MqttConnected").getReason());
        assertEquals("NoReceiver", condition("GpsFix").getReason());
        assertEquals("Healthy", condition("OutriggerReady").getReason());
        Await.until("a Lease of its own", Duration.ofSeconds(5),
                () -> client.leases().inNamespace("outrigger").withName("outrigger-edge-it").get() != null);
        System.out.printf(Locale.ROOT, "RSS with the kube bundle off: %d MB, active (client built, reporting): %d MB, added %d MB%n",
                off / 1024, gateway.rssKb() / 1024, (gateway.rssKb() - off) / 1024);

        // the supply sags, the board overheats: the Node says so, Warning events say when, and so do the log and /metrics
        assertEquals("True", condition("SupplyVoltageNormal").getStatus());
        assertEquals("True", condition("TemperatureNormal").getStatus());
        tree.underVoltageAlarm(true);
        tree.thermalZone(0, "cpu-thermal", 84.2);
        Await.until("under-voltage and overheating on the Node", Duration.ofSeconds(10),
                () -> "UnderVoltage".equals(condition("SupplyVoltageNormal").getReason())
                        && "Overheating".equals(condition("TemperatureNormal").getReason()));
        assertEquals("False", condition("SupplyVoltageNormal").getStatus());
        Await.until("Warning events", Duration.ofSeconds(5), () -> event("UnderVoltage").filter(e -> e.getType().equals("Warning")
                && e.getMessage().startsWith("SupplyVoltageNormal is False: the power supply cannot keep up")).isPresent()
                && event("Overheating").filter(e -> e.getType().equals("Warning")).isPresent());
        assertTrue(gateway.log(), gateway.log().contains("Board: under-voltage: the power supply cannot keep up with the load;"));
        assertTrue(gateway.log(), gateway.log().contains("Board: cpu-thermal at 84.2 °C, at or above overheatCelsius (80.0 °C)"));
        Map<String, Double> hot = gateway.metrics();
        assertEquals(hot.toString(), 84.2, hot.get("outrigger_board_temperature_celsius{type=\"cpu-thermal\",zone=\"thermal_zone0\"}"), 0);
        assertEquals(hot.toString(), 1.0, hot.get("outrigger_board_under_voltage"), 0);
        assertEquals(hot.toString(), 1.0, hot.get("outrigger_board_under_voltage_dips_total"), 0);
        assertEquals(hot.toString(), 1.0, hot.get("outrigger_board_overheating"), 0);
        String board = gateway.shell("device:board").output();
        assertTrue(board, board.contains("temperature   cpu-thermal 84.2 °C") && board.contains("overheating   YES")
                && board.contains("power         UNDER-VOLTAGE (1 dip(s) of the supply"));
        // the heat ends 5 °C below the limit; under-voltage a minute after the last dip (PowerAndHeatTest), so the
        // supply stays low here: a flip a minute on would be one more Event than those counted below
        tree.thermalZone(0, "cpu-thermal", 60);
        Await.until("the temperature normal again", Duration.ofSeconds(10), () -> "True".equals(condition("TemperatureNormal").getStatus()));
        assertTrue(gateway.log(), gateway.log().contains("Board: cooled down, cpu-thermal at 60.0 °C"));

        tree.plugCdcAcm("ttyACM0", "1-1.2", "239a", "8029", "RAKwireless", "WisCore RAK4631 Meshtastic", "C0FFEE");
        // within 2 s on a node (the figure below); the deadline leaves room for a CI machine's other tests
        Await.until("the radio's labels and resource", Duration.ofSeconds(10), () -> radioOnTheNode(true));
        Node node = client.nodes().withName("edge-it").get();
        assertEquals("true", node.getMetadata().getLabels().get("outrigger.dev/serial"));
        assertEquals(new Quantity("1"), node.getStatus().getCapacity().get("outrigger.dev/meshtastic"));
        assertEquals("True", condition("SerialDevicesPresent").getStatus());
        assertTrue(gateway.shell("device:list").output().contains("usb-RAKwireless_WisCore_RAK4631_Meshtastic_C0FFEE"));

        long unplugged = System.nanoTime();
        tree.unplug("ttyACM0");
        Await.until("labels and resource gone with the radio", Duration.ofSeconds(10), () -> radioOnTheNode(false));
        System.out.printf(Locale.ROOT, "unplug to label removed: %d ms%n", (System.nanoTime() - unplugged) / 1_000_000);
        // and both said in Events about the Node, as kubectl describe node shows them
        Await.until("the plug and the unplug as Events about the Node", Duration.ofSeconds(5),
                () -> event("SerialDeviceAdded").filter(e -> e.getMessage().equals("Plugged in: WisCore RAK4631 Meshtastic "
                        + "(239a:8029, serial C0FFEE) at " + tree.dev.resolve("ttyACM0") + ", role meshtastic")).isPresent()
                        && event("SerialDeviceRemoved").isPresent());
        assertEquals("Node", event("SerialDeviceAdded").get().getInvolvedObject().getKind());
        assertEquals("edge-it", event("SerialDeviceAdded").get().getInvolvedObject().getName());
        Await.until("both counted in kube:status", Duration.ofSeconds(5), () -> gateway.shell("kube:status").output()
                .contains("events      5 recorded, 0 dropped by the rate limit"));
        node = client.nodes().withName("edge-it").get();
        assertTrue(!node.getStatus().getCapacity().containsKey("outrigger.dev/meshtastic"));
        assertEquals("a label it did not set stays", "true", node.getMetadata().getLabels().get("example.com/radio"));
        assertEquals(new Quantity("2"), node.getStatus().getCapacity().get("cpu"));
        Await.until("kube:status reporting", Duration.ofSeconds(5), () -> gateway.shell("kube:status").output().contains("reporting"));
        Map<String, Double> reporting = gateway.metrics();
        assertEquals(reporting.toString(), 1.0, reporting.get("outrigger_kube_reporting"), 0);
        assertEquals(reporting.toString(), 5.0, reporting.get("outrigger_kube_events_total"), 0);
        assertTrue(reporting.toString(), reporting.get("outrigger_kube_lease_renewed_timestamp_seconds") > System.currentTimeMillis() / 1000 - 60);

        // a bundle that does not resolve: the Node says so, and why, until it is gone
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.unresolvable", "Import-Package", "com.example.missing"));
        Await.until("OutriggerReady false, naming the bundle", Duration.ofSeconds(10),
                () -> "False".equals(condition("OutriggerReady").getStatus())
                        && condition("OutriggerReady").getMessage().contains("dev.outrigger.itest.unresolvable is installed"));
        Await.until("a Warning event saying so", Duration.ofSeconds(5), () -> event("Unhealthy")
                .filter(e -> e.getType().equals("Warning") && e.getMessage().startsWith("OutriggerReady is False: ")).isPresent());
        Files.delete(gateway.home.resolve("deploy/unresolvable.jar"));
        Await.until("OutriggerReady true again", Duration.ofSeconds(10), () -> "True".equals(condition("OutriggerReady").getStatus()));
        // the same again: the same Events, counted up as the kubelet counts its own ("x2" in kubectl)
        Jars.withHeaders(Distribution.FIXTURE, gateway.home.resolve("deploy/unresolvable.jar"), Map.of(
                "Bundle-SymbolicName", "dev.outrigger.itest.unresolvable", "Import-Package", "com.example.missing"));
        Await.until("the Warning counted twice", Duration.ofSeconds(10),
                () -> event("Unhealthy").filter(e -> e.getCount() == 2).isPresent());
        Files.delete(gateway.home.resolve("deploy/unresolvable.jar"));
        Await.until("OutriggerReady true, counted twice", Duration.ofSeconds(10),
                () -> event("Healthy").filter(e -> e.getCount() == 2).isPresent());
        assertEquals(1, client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> e.getReason().equals("Unhealthy")).count());

        // a GPS receiver: GpsFix is true while it tells where the node is
        PtyPair pty = new PtyPair(folder.newFolder("pty").toPath());
        try (TalkingGps gps = new TalkingGps(pty.peer)) {
            tree.wire("ttyACM2", pty.device);
            tree.plugCdcAcm("ttyACM2", "1-1.4", "1546", "01a8", "u-blox AG - www.u-blox.com", "u-blox GNSS receiver", "");
            Await.until("GpsFix true", Duration.ofSeconds(20), () -> "True".equals(condition("GpsFix").getStatus()));
            assertEquals("1 of 1 receiver(s) with a fix", condition("GpsFix").getMessage());
            tree.unplug("ttyACM2");
            Await.until("GpsFix false with the receiver gone", Duration.ofSeconds(10),
                    () -> "NoReceiver".equals(condition("GpsFix").getReason()) && "False".equals(condition("GpsFix").getStatus()));
        } finally {
            pty.close();
        }

        // a Zigbee stick bridged: its port on the gateway's Pod, for a Service that follows the stick to select, while it is in
        String bridged = "outrigger.dev/bridge-" + bridgePort;
        tree.plugUsbSerial("ttyUSB0", "1-1.5", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "77aa", "cp210x");
        Await.until("the bridge's port on the Pod", Duration.ofSeconds(10), () -> "true".equals(podLabels().get(bridged)));
        String status = gateway.shell("kube:status").output();
        assertTrue(status, status.contains("pod         outrigger/" + POD + " labels {" + bridged + "=true}; listening on this host "
                + "only, other nodes' pods cannot connect: " + bridgePort + " (127.0.0.1)"));
        long unpluggedStick = System.nanoTime();
        tree.unplug("ttyUSB0");
        Await.until("the port off the Pod with the stick", Duration.ofSeconds(10), () -> !podLabels().containsKey(bridged));
        System.out.printf(Locale.ROOT, "unplug to Pod label removed: %d ms%n", (System.nanoTime() - unpluggedStick) / 1_000_000);
        assertEquals("a label it did not set stays", "outrigger", podLabels().get("app.kubernetes.io/name"));

        // the API server goes away (and comes back empty, as this mock does): retried, then converged
        int port = server.getPort();
        tree.plugCdcAcm("ttyACM1", "1-1.3", "239a", "8029", "RAKwireless", "WisCore RAK4631 Meshtastic", "BEEF");
        stopApiServer();
        Await.until("the outage noticed", Duration.ofSeconds(10), () -> gateway.shell("kube:status").output().contains("retrying"));
        assertEquals("not reporting, in the metrics", 0.0, gateway.metrics().get("outrigger_kube_reporting"), 0);
        startApiServer(port);
        createNodeAndPod();
        Await.until("the Node reported again after the outage", Duration.ofSeconds(20),
                () -> "true".equals(labels().get("outrigger.dev/meshtastic")) && condition("OutriggerReady") != null);
        Await.until("the Lease back within one renew interval (10 s)", Duration.ofSeconds(12),
                () -> client.leases().inNamespace("outrigger").withName("outrigger-edge-it").get() != null);
        long warnings = gateway.log().lines().filter(l -> l.contains("cannot report Node")).count();
        assertTrue("one line per kind of failure, not one per retry: " + warnings, warnings <= 3);

        // the bundle updated under way: the Node keeps its labels, reporting resumes, and the old client's threads end
        List<String> threads = clientThreads();
        assertEquals(0, gateway.shell("update " + gateway.bundleId("dev.outrigger.kube")).status());
        assertEquals("labels kept through the update", "true", labels().get("outrigger.dev/meshtastic"));
        Await.until("reporting again after the update", Duration.ofSeconds(15),
                () -> gateway.shell("kube:status").output().contains("state       reporting"));
        // the JDK's HttpClient (Java 17) ends its selector thread once the old client is collected: asked for every 2 s
        long[] collected = { 0 };
        Await.until("the threads of before the update, no more: " + threads, Duration.ofSeconds(30), () -> {
            if (clientThreads().equals(threads)) {
                return true;
            }
            if (System.nanoTime() - collected[0] > TimeUnit.SECONDS.toNanos(2)) {
                new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(gateway.pid()),
                        "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                collected[0] = System.nanoTime();
            }
            return false;
        });

        // least privilege: the DaemonSet's RBAC grants label mode exactly what it used here
        assertGrantedExactly(Distribution.K8S_BASE.resolve("rbac.yaml"));
    }

    /** The requests the gateway made (its kubeconfig's token tells them from the test's own), drained from the server. */
    private void recordGatewayCalls() throws InterruptedException {
        for (RecordedRequest r = server.takeRequest(0, TimeUnit.SECONDS); r != null; r = server.takeRequest(0, TimeUnit.SECONDS)) {
            if ("Bearer test-token".equals(r.getHeader("Authorization"))) {
                Matcher m = Pattern.compile("/(?:api/v1|apis/[^/]+/v1)(?:/namespaces/([^/]+))?/([a-z]+)(/[^/?]+)?(/status)?(\\?.*)?")
                        .matcher(r.getPath());
                assertTrue(r.getPath(), m.matches());
                String verb = switch (r.getMethod()) {
                    case "GET" -> m.group(3) != null ? "get" : "list";
                    case "POST" -> "create";
                    case "PUT" -> "update";
                    case "PATCH" -> "patch";
                    default -> r.getMethod().toLowerCase(Locale.ROOT);
                };
                gatewayCalls.add(m.group(2) + (m.group(4) != null ? "/status" : "") + " " + verb
                        + (m.group(1) != null ? " in " + m.group(1) : ""));
            }
        }
    }

    /**
     * Least privilege: the RBAC of a kustomization grants each call the gateway made, and nothing
     * it did not make (a ClusterRole's rule in any namespace, a Role's in its own).
     */
    private void assertGrantedExactly(Path rbac) throws Exception {
        recordGatewayCalls();
        Set<String> granted = granted(rbac);
        Set<String> used = new TreeSet<>();
        for (String call : gatewayCalls) {
            String grant = granted.contains(call) ? call : call.replaceFirst(" in .*", "");
            assertTrue(call + " is granted by " + rbac + ": " + granted, granted.contains(grant));
            used.add(grant);
        }
        assertEquals("what " + rbac + " grants, all used", granted, used);
    }

    /** Each resource and verb an RBAC file grants: {@code nodes patch} (a ClusterRole), {@code leases update in outrigger} (a Role). */
    @SuppressWarnings("unchecked")
    private static Set<String> granted(Path rbac) throws Exception {
        Set<String> granted = new TreeSet<>();
        for (Object doc : new Yaml().loadAll(Files.readString(rbac))) {
            Map<String, Object> object = (Map<String, Object>) doc;
            String scope = "Role".equals(object.get("kind")) ? " in " + ((Map<?, ?>) object.get("metadata")).get("namespace") : "";
            for (Map<String, Object> rule : (List<Map<String, Object>>) object.getOrDefault("rules", List.of())) {
                for (Object resource : (List<?>) rule.get("resources")) {
                    for (Object verb : (List<?>) rule.get("verbs")) {
                        granted.add(resource + " " + verb + scope);
                    }
                }
            }
        }
        return granted;
    }

    /**
     * Node mode in a vehicle: the gateway moves to another network, which gives it another address.
     * Its Node follows: the InternalIP is the address it reaches the API server from, now.
     */
    @Test
    public void nodeModeFollowsTheGatewayToAnotherAddress() throws Exception {
        try (NetworkNamespace apiHost = NetworkNamespace.create()) {
            // the API server on a host of its own: a relay there to this one's, which listens on every address
            int port = server.getPort();
            stopApiServer();
            startApiServer(InetAddress.getByName("0.0.0.0"), port);
            apiHost.start(new ProcessBuilder("socat", "TCP-LISTEN:6443,bind=" + apiHost.address + ",fork,reuseaddr",
                    "TCP:" + apiHost.hostAddress + ":" + port));
            writeKubeconfig("http://" + apiHost.address + ":6443");
            configureWithoutKubeconfig("registerNode = true\n");
            gateway.start();
            Await.until("the Node registered at the address the API server is reached from", Duration.ofSeconds(20),
                    () -> apiHost.hostAddress.equals(internalIp()));

            String moved = apiHost.readdressThisHost();
            long movedAt = System.nanoTime();
            Await.until("the Node at the new address", Duration.ofSeconds(10), () -> moved.equals(internalIp()));
            assertTrue(gateway.shell("kube:status").output().contains("node        edge-it at " + moved + " (its InternalIP)"));
            System.out.printf(Locale.ROOT, "node mode: a new address on the Node %d ms after the gateway had it%n",
                    (System.nanoTime() - movedAt) / 1_000_000);
            assertTrue(gateway.log(), gateway.log().contains("Kubernetes: Node edge-it is at " + moved + " now (was "
                    + apiHost.hostAddress + ")"));
            assertEquals("its Hostname kept", "edge-it", client.nodes().withName("edge-it").get().getStatus().getAddresses()
                    .stream().filter(a -> a.getType().equals("Hostname")).findFirst().orElseThrow().getAddress());
        }
    }

    private String internalIp() {
        Node node = client.nodes().withName("edge-it").get();
        return node == null || node.getStatus() == null || node.getStatus().getAddresses() == null ? null
                : node.getStatus().getAddresses().stream().filter(a -> a.getType().equals("InternalIP"))
                        .map(a -> a.getAddress()).findFirst().orElse(null);
    }

    @Test
    public void nodeModeRegistersATaintedNodeAndKeepsItsLeaseInKubeNodeLease() throws Exception {
        Path etc = configure("registerNode = true\nrenewSeconds = 2\nreportSeconds = 5\n");
        FakeSysfs tree = new FakeSysfs(folder.newFolder("host").toPath());
        Files.writeString(etc.resolve("dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev
                + "\nproc = " + folder.getRoot() + "/proc\n");
        int bridgePort = Ports.free();
        Files.writeString(etc.resolve("dev.outrigger.discovery.profile-zigbee.cfg"), "vendorId = 10c4\nproductId = ea60\nrole = bridge\n"
                + "port = " + bridgePort + "\n");
        // the Service that finds the stick's bridge on gateways in pods, by their label: gateways in node mode join it
        client.services().inNamespace("outrigger").resource(new ServiceBuilder().withNewMetadata().withName("zigbee").endMetadata()
                .withNewSpec().addToSelector("outrigger.dev/bridge-" + bridgePort, "true").addNewPort().withName("zigbee")
                .withPort(6638).withTargetPort(new IntOrString(bridgePort)).endPort().endSpec().build()).create();
        gateway.start();
        Await.until("the Node registered, Ready", Duration.ofSeconds(20),
                () -> client.nodes().withName("edge-it").get() != null && condition("Ready") != null);
        Node node = client.nodes().withName("edge-it").get();
        assertEquals("outrigger.dev/gateway", node.getSpec().getTaints().get(0).getKey());
        assertEquals("NoSchedule", node.getSpec().getTaints().get(0).getEffect());
        assertEquals("True", condition("Ready").getStatus());
        assertTrue(node.getStatus().getNodeInfo().getKubeletVersion().startsWith("outrigger-"));
        assertTrue(node.getMetadata().getLabels().containsKey("kubernetes.io/arch"));
        // the API server on this host (a k3s server's own kubeconfig): an address of an interface, not loopback
        String internalIp = internalIp();
        assertTrue(internalIp, !InetAddress.getByName(internalIp).isLoopbackAddress()
                && NetworkInterface.getByInetAddress(InetAddress.getByName(internalIp)) != null);
        Await.until("its Lease in kube-node-lease", Duration.ofSeconds(15),
                () -> client.leases().inNamespace("kube-node-lease").withName("edge-it").get() != null);
        Lease lease = client.leases().inNamespace("kube-node-lease").withName("edge-it").get();
        assertEquals(Integer.valueOf(40), lease.getSpec().getLeaseDurationSeconds());
        assertEquals("edge-it", lease.getSpec().getHolderIdentity());
        ZonedDateTime first = lease.getSpec().getRenewTime();
        Await.until("renewed", Duration.ofSeconds(10), () -> !first.equals(renewTime()));
        ZonedDateTime second = renewTime();
        Await.until("renewed again", Duration.ofSeconds(10), () -> !second.equals(renewTime()));
        long cadence = Duration.between(second, renewTime()).toMillis();
        assertTrue("renewed every renewSeconds (2 s): " + cadence + " ms", cadence >= 1_900 && cadence <= 3_500);

        client.leases().inNamespace("kube-node-lease").withName("edge-it").delete();
        Await.until("the Lease recreated after deletion", Duration.ofSeconds(15),
                () -> client.leases().inNamespace("kube-node-lease").withName("edge-it").get() != null);

        // a stick bridged on loopback only (the default; tests listen on nothing else): no other host could reach it,
        // so the gateway does not join the Service, and says why (BridgeEndpointsTest: one that listens on the network)
        tree.plugUsbSerial("ttyUSB0", "1-1.5", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "77aa", "cp210x");
        String offered = "services    none: no Service selects a port this gateway offers; listening on this host only, not offered: "
                + bridgePort + " (127.0.0.1)";
        Await.until("the bridge not offered, and why", Duration.ofSeconds(10), () -> gateway.shell("kube:status").output().contains(offered));
        assertTrue(slices().isEmpty());
        // plugged in again: kubectl describe node says so, counted up (x2), as of a kubelet
        Await.until("the Node's Event", Duration.ofSeconds(10), () -> event("SerialDeviceAdded").isPresent());
        tree.unplug("ttyUSB0");
        Await.until("unplugged", Duration.ofSeconds(10), () -> event("SerialDeviceRemoved").isPresent());
        tree.plugUsbSerial("ttyUSB0", "1-1.5", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "77aa", "cp210x");
        Await.until("the Node's Event counted up", Duration.ofSeconds(10),
                () -> event("SerialDeviceAdded").filter(e -> e.getCount() == 2).isPresent());

        // the stick bridged where others reach it (a test bundle announces such a bridge: tests listen on loopback only):
        // the gateway joins the Service with its address, and leaves it with the stick, and when it stops
        tree.unplug("ttyUSB0");
        Files.copy(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Path announced = etc.resolve("dev.outrigger.itest.bridge-zigbee.cfg");
        Files.writeString(announced, "port = " + bridgePort + "\naddress = 192.0.2.10\n");
        Await.until("in the Service", Duration.ofSeconds(15), () -> slices().size() == 1);
        GenericKubernetesResource slice = slices().get(0);
        assertEquals("zigbee-edge-it", slice.getMetadata().getName());
        assertEquals("zigbee", slice.getMetadata().getLabels().get("kubernetes.io/service-name"));
        assertEquals(List.of(Map.of("addresses", List.of("192.0.2.10"), "nodeName", "edge-it",
                "conditions", Map.of("ready", true, "serving", true, "terminating", false))), slice.get("endpoints"));
        assertEquals(List.of(Map.of("name", "zigbee", "port", bridgePort, "protocol", "TCP")), slice.get("ports"));
        Await.until("kube:status naming it", Duration.ofSeconds(5),
                () -> gateway.shell("kube:status").output().contains("services    {zigbee=192.0.2.10:" + bridgePort + "}"));
        long gone = System.nanoTime();
        Files.delete(announced);
        Await.until("out of the Service with the bridge", Duration.ofSeconds(10), () -> slices().isEmpty());
        System.out.printf(Locale.ROOT, "bridge gone to EndpointSlice removed: %d ms%n", (System.nanoTime() - gone) / 1_000_000);
        Files.writeString(announced, "port = " + bridgePort + "\naddress = 192.0.2.10\n");
        Await.until("in the Service again", Duration.ofSeconds(15), () -> slices().size() == 1);
        // the Service's port renamed: the slice's follows at the next look at the Services (reportSeconds)
        client.services().inNamespace("outrigger").withName("zigbee").edit(s -> new ServiceBuilder(s).editSpec().editFirstPort()
                .withName("ezsp").endPort().endSpec().build());
        Await.until("the slice's port named as the Service's", Duration.ofSeconds(15),
                () -> List.of(Map.of("name", "ezsp", "port", bridgePort, "protocol", "TCP")).equals(slices().get(0).get("ports")));
        // a gateway killed outright elsewhere left its slice in the Service: once its Node is not Ready (the node
        // controller's word, played here), this gateway marks its endpoint so, and kube-proxy sends no client there
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("garage").endMetadata().withNewStatus()
                .addNewCondition().withType("Ready").withStatus("Unknown").endCondition().endStatus().build()).create();
        GenericKubernetesResource left = slices().get(0);
        left.getMetadata().setName("zigbee-garage");
        left.getMetadata().setResourceVersion(null);
        left.getMetadata().getLabels().put("outrigger.dev/node", "garage");
        left.setAdditionalProperty("endpoints", List.of(Map.of("addresses", List.of("192.0.2.20"), "nodeName", "garage",
                "conditions", Map.of("ready", true, "serving", true, "terminating", false))));
        client.genericKubernetesResources("discovery.k8s.io/v1", "EndpointSlice").inNamespace("outrigger").resource(left).create();
        Await.until("the slice of the gateway killed outright marked not ready", Duration.ofSeconds(15), () -> slices().stream()
                .filter(e -> e.getMetadata().getName().equals("zigbee-garage")).anyMatch(e -> e.get("endpoints").equals(List.of(
                        Map.of("addresses", List.of("192.0.2.20"), "nodeName", "garage",
                                "conditions", Map.of("ready", false, "serving", false, "terminating", false))))));
        Await.until("said in the log", Duration.ofSeconds(5),
                () -> gateway.log().contains("EndpointSlice zigbee-garage marked not ready: Node garage is not Ready"));
        // that gateway taken out of service for good (kubectl delete node garage): its slice goes too
        client.nodes().withName("garage").delete();
        Await.until("the slice of the gateway whose Node is gone deleted", Duration.ofSeconds(15),
                () -> slices().stream().noneMatch(e -> e.getMetadata().getName().equals("zigbee-garage")));
        Await.until("said in the log", Duration.ofSeconds(5),
                () -> gateway.log().contains("EndpointSlice zigbee-garage deleted: its Node garage is gone"));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(5)));
        assertEquals("out of the Service once stopped", List.of(), slices());

        // least privilege: the node-mode RBAC grants exactly what it used here
        assertGrantedExactly(Distribution.K8S_BASE.resolveSibling("node-mode/rbac.yaml"));
    }

    private List<GenericKubernetesResource> slices() {
        return client.genericKubernetesResources("discovery.k8s.io/v1", "EndpointSlice").inNamespace("outrigger").list().getItems();
    }

    /**
     * A stick for a pod on this node (zigbee2mqtt, say) rather than for the bridge: with a profile of
     * role pod, the kubelet's device plugin (here the kubelet's side played by the test) counts it
     * as outrigger.dev/zigbee and hands it to the container that asks, without privileges; the Node
     * says a serial device is there, and leaves the counting to the kubelet.
     */
    @Test
    public void aDeviceWithRolePodIsHandedToThePodThatAsksThroughTheKubeletsDevicePlugin() throws Exception {
        createNodeAndPod();
        FakeSysfs tree = new FakeSysfs(folder.newFolder("host").toPath());
        Path plugins = folder.newFolder("device-plugins").toPath();
        Path etc = configure("");
        Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install = kube, deviceplugin\n");
        Files.writeString(etc.resolve("dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev
                + "\nproc = " + folder.getRoot() + "/proc\n");
        Files.writeString(etc.resolve("dev.outrigger.discovery.profile-zigbee.cfg"), "vendorId = 10c4\nproductId = ea60\nrole = pod\n");
        Files.writeString(etc.resolve("dev.outrigger.deviceplugin.cfg"), "folder = " + plugins + "\n");
        String stick = "usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_4c1a9d-if00-port0";
        try (FakeKubelet kubelet = new FakeKubelet(plugins).start()) {
            gateway.enableHealthEndpoint();
            gateway.start();
            Path node = tree.plugUsbSerial("ttyUSB0", "1-1.4", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "4c1a9d",
                    "cp210x");
            Await.until("registered with the kubelet", Duration.ofSeconds(20), () -> kubelet.registered.size() == 1);
            assertEquals("outrigger.dev/zigbee", kubelet.registered.get(0).getResourceName());
            Await.until("the stick listed to the kubelet", Duration.ofSeconds(10),
                    () -> kubelet.listed("outrigger-zigbee.sock").equals(List.of(stick + " Healthy")));
            ContainerAllocateResponse given = kubelet.allocate("outrigger-zigbee.sock", stick).getContainerResponses(0);
            assertEquals(node.toString(), given.getDevices(0).getHostPath());
            assertEquals("rw", given.getDevices(0).getPermissions());
            assertEquals(tree.dev.resolve("serial/by-id/" + stick).toString(), given.getEnvsOrThrow("OUTRIGGER_ZIGBEE_DEVICES"));
            assertFalse("the kubelet's connections leave nothing in the log: " + gateway.log(), gateway.log().contains("Unknown channel option"));
            String status = gateway.shell("deviceplugin:status").output();
            assertTrue(status, Pattern.compile("outrigger.dev/zigbee +" + plugins.resolve("outrigger-zigbee.sock") + " +20\\d\\d-\\S+Z +1 +"
                    + stick + "\n").matcher(status).find());
            Map<String, Double> metrics = gateway.metrics();
            for (String metric : List.of("devices", "registered", "allocations_total")) {
                assertEquals(metrics.toString(), 1.0, metrics.get("outrigger_deviceplugin_" + metric + "{resource=\"outrigger.dev/zigbee\"}"), 0);
            }

            Await.until("a serial device on the Node", Duration.ofSeconds(10), () -> "true".equals(labels().get("outrigger.dev/serial")));
            Node labelled = client.nodes().withName("edge-it").get();
            assertTrue("no resource for role pod: the kubelet counts the device", labelled.getStatus().getCapacity().keySet()
                    .stream().noneMatch(r -> r.startsWith("outrigger.dev/")));
            assertTrue(labels().toString(), !labels().containsKey("outrigger.dev/pod"));

            tree.unplug("ttyUSB0");
            Await.until("none listed once unplugged", Duration.ofSeconds(10), () -> kubelet.listed("outrigger-zigbee.sock").isEmpty());
        }
        // the kubelet restarts, as after an upgrade: it removed every socket in its folder, its own made anew
        try (Stream<Path> sockets = Files.list(plugins)) {
            for (Path socket : sockets.toList()) {
                Files.delete(socket);
            }
        }
        try (FakeKubelet kubelet = new FakeKubelet(plugins).start()) {
            Await.until("registered again", Duration.ofSeconds(10), () -> kubelet.registered.size() == 1);
            Await.until("nothing to give meanwhile", Duration.ofSeconds(10), () -> kubelet.listed("outrigger-zigbee.sock").isEmpty());
            // the bundle updated live, the stick back in, serves and registers anew, and its old revision leaves no thread behind
            tree.plugUsbSerial("ttyUSB1", "1-1.4", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "4c1a9d", "cp210x");
            Await.until("the stick listed again", Duration.ofSeconds(10),
                    () -> kubelet.listed("outrigger-zigbee.sock").equals(List.of(stick + " Healthy")));
            long threads = gateway.threads("outrigger-deviceplugin");
            assertEquals("its timer and its gRPC event loop", 2, threads);
            assertEquals(0, gateway.shell("update dev.outrigger.deviceplugin").status());
            Await.until("registered by the updated bundle", Duration.ofSeconds(10), () -> kubelet.registered.size() == 2);
            Await.until("the stick listed by the updated bundle", Duration.ofSeconds(10),
                    () -> kubelet.listed("outrigger-zigbee.sock").equals(List.of(stick + " Healthy")));
            Await.until("the threads of before, no more: " + threads, Duration.ofSeconds(10),
                    () -> gateway.threads("outrigger-deviceplugin") == threads);
        }
        assertEquals("registered with each kubelet and after the update, once each: " + gateway.log(), 3,
                gateway.log().lines().filter(l -> l.contains("Device plugin: outrigger.dev/zigbee registered")).count());
        assertTrue("no warning from Netty at each connection: " + gateway.log(), !gateway.log().contains("SO_KEEPALIVE"));
        // uninstalled, it leaves no socket and no thread behind that would outlive its bundle
        assertEquals(0, gateway.shell("feature:uninstall deviceplugin").status());
        assertTrue(Files.notExists(plugins.resolve("outrigger-zigbee.sock")));
        Await.until("no thread of gRPC or the device plugin left", Duration.ofSeconds(10), () -> grpcThreads().isEmpty());
        assertTrue(gateway.log(), !gateway.log().contains("no longer valid") && !gateway.log().contains("ERROR"));
    }

    /**
     * The kube bundle's thread and the selector threads of the JDK's HTTP clients, one per client
     * (their numbers left out); not the pools fabric8 starts and ends as calls come and go.
     */
    private List<String> clientThreads() throws IOException {
        return gateway.threadNames().stream().filter(n -> n.startsWith("outrigger-kube") || n.startsWith("HttpClient-"))
                .map(n -> n.replaceAll("\\d+", "#")).sorted().toList();
    }

    /** The threads of the device plugin and of the gRPC and Netty it embeds, by name. */
    private List<String> grpcThreads() throws IOException {
        return gateway.threadNames().stream().filter(n -> n.startsWith("outrigger-devic") || n.startsWith("grpc")
                || n.startsWith("globalEventExec") || n.contains("Netty")).sorted().toList();
    }

    private ZonedDateTime renewTime() {
        return client.leases().inNamespace("kube-node-lease").withName("edge-it").get().getSpec().getRenewTime();
    }

    /** The latest Event about the Node with this reason, if any. */
    private Optional<Event> event(String reason) {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).reduce((first, second) -> second);
    }

    /** Whether the Node has the radio's label and resource, both as expected: one request per look. */
    private boolean radioOnTheNode(boolean expected) {
        Node node = client.nodes().withName("edge-it").get();
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return "true".equals(labels.get("outrigger.dev/meshtastic")) == expected
                && node.getStatus().getCapacity().containsKey("outrigger.dev/meshtastic") == expected;
    }

    private Map<String, String> podLabels() {
        return client.pods().inNamespace("outrigger").withName(POD).get().getMetadata().getLabels();
    }

    private Map<String, String> labels() {
        Map<String, String> labels = client.nodes().withName("edge-it").get().getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    private NodeCondition condition(String type) {
        Node node = client.nodes().withName("edge-it").get();
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return null;
        }
        return node.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
    }
}
