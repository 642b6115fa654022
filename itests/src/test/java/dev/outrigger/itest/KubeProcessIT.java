package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.discovery.FakeSysfs;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * The kube feature in a real runtime process, against fabric8's mock API server in CRUD mode
 * (no real API server can run here), with a kubeconfig as outside a cluster: the Node follows a
 * radio plugged in and unplugged, its own labels and conditions only, and a Lease is kept.
 */
public class KubeProcessIT {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private KubernetesMockServer server;
    private KubernetesClient client;
    private GatewayProcess gateway;

    @Before
    public void apiServerWithTheNode() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("edge-it").addToLabels("example.com/radio", "true")
                .endMetadata().withNewStatus().addToCapacity("cpu", new Quantity("2")).endStatus().build()).create();
        gateway = new GatewayProcess(Distribution.copyTo(folder.newFolder("outrigger").toPath()));
    }

    @After
    public void stop() {
        gateway.close();
        client.close();
        server.destroy();
    }

    @Test
    public void theNodeFollowsWhatIsPluggedInAndALeaseIsKept() throws Exception {
        Path kubeconfig = Files.writeString(folder.getRoot().toPath().resolve("kubeconfig"), String.join("\n",
                "apiVersion: v1", "kind: Config", "clusters:", "- name: mock", "  cluster:",
                "    server: http://localhost:" + server.getPort(), "contexts:", "- name: mock", "  context:",
                "    cluster: mock", "    user: gateway", "current-context: mock", "users:", "- name: gateway", "  user:",
                "    token: test-token", ""));
        FakeSysfs tree = new FakeSysfs(folder.newFolder("host").toPath());
        Path etc = gateway.home.resolve("etc");
        Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install = kube\n");
        Files.writeString(etc.resolve("dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev
                + "\nproc = " + folder.getRoot() + "/proc\n");
        Files.writeString(etc.resolve("dev.outrigger.kube.cfg"), "kubeconfig = " + kubeconfig + "\nnodeName = edge-it\n"
                + "namespace = outrigger\n");
        gateway.start();

        Await.until("the conditions on the Node", Duration.ofSeconds(20), () -> condition("OutriggerReady") != null);
        assertEquals("False", condition("SerialDevicesPresent").getStatus());
        assertEquals("NotInstalled", condition("MqttConnected").getReason());
        assertNotNull("a Lease of its own", client.leases().inNamespace("outrigger").withName("outrigger-edge-it").get());

        tree.plugCdcAcm("ttyACM0", "1-1.2", "239a", "8029", "RAKwireless", "WisCore RAK4631 Meshtastic", "C0FFEE");
        Await.until("the radio's labels and resource", Duration.ofSeconds(5), () -> "true".equals(labels().get("outrigger.dev/meshtastic"))
                && client.nodes().withName("edge-it").get().getStatus().getCapacity().containsKey("outrigger.dev/meshtastic"));
        Node node = client.nodes().withName("edge-it").get();
        assertEquals("true", node.getMetadata().getLabels().get("outrigger.dev/serial"));
        assertEquals(new Quantity("1"), node.getStatus().getCapacity().get("outrigger.dev/meshtastic"));
        assertEquals("True", condition("SerialDevicesPresent").getStatus());

        long unplugged = System.nanoTime();
        tree.unplug("ttyACM0");
        Await.until("labels and resource gone with the radio", Duration.ofSeconds(5),
                () -> !labels().containsKey("outrigger.dev/meshtastic")
                        && !client.nodes().withName("edge-it").get().getStatus().getCapacity().containsKey("outrigger.dev/meshtastic"));
        System.out.printf("unplug to label removed: %d ms%n", (System.nanoTime() - unplugged) / 1_000_000);
        node = client.nodes().withName("edge-it").get();
        assertTrue(!node.getStatus().getCapacity().containsKey("outrigger.dev/meshtastic"));
        assertEquals("a label it did not set stays", "true", node.getMetadata().getLabels().get("example.com/radio"));
        assertEquals(new Quantity("2"), node.getStatus().getCapacity().get("cpu"));
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
