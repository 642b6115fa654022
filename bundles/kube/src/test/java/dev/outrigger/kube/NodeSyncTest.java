package dev.outrigger.kube;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.time.Instant;
import java.util.Map;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The Node and the Lease as {@link NodeSync} leaves them, on fabric8's mock API server. */
public class NodeSyncTest {

    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @Rule
    public final CrudApiServer api = new CrudApiServer();
    private KubernetesClient client;
    private NodeSync sync;

    @Before
    public void nodeWithTheKubeletsOwnLabelsResourcesAndConditions() {
        client = api.client();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("shed-pi")
                .addToLabels("kubernetes.io/arch", "arm64").addToLabels("example.com/radio", "true").endMetadata()
                .withNewStatus().addToCapacity("cpu", new Quantity("4"))
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                .endStatus().build()).create();
        sync = new NodeSync(client, "shed-pi");
    }

    private Node node() {
        return client.nodes().withName("shed-pi").get();
    }

    private static NodeSync.Wanted wanted(boolean meshtastic, boolean mqtt) {
        return new NodeSync.Wanted(
                meshtastic ? Map.of("outrigger.dev/serial", "true", "outrigger.dev/meshtastic", "true") : Map.of(),
                meshtastic ? Map.of("outrigger.dev/meshtastic", 1) : Map.of(),
                Map.of("OutriggerReady", new NodeSync.Condition(true, "Running", "gateway running"),
                        "MqttConnected", new NodeSync.Condition(mqtt, mqtt ? "Connected" : "Disconnected", "")), null);
    }

    /** Node mode, in a vehicle: a new network, a new address, on the Node at the next report. */
    @Test
    public void theInternalIpFollowsTheGatewaysAddressAndTheHostnameStays() {
        client.nodes().withName("shed-pi").delete();
        sync.register("arm64", "192.168.1.20", "outrigger-1.0.0");
        NodeSync.Wanted atHome = wanted(false, true);
        NodeSync.Wanted onTheRoad = new NodeSync.Wanted(atHome.labels(), atHome.resources(), atHome.conditions(), "172.20.10.3");
        assertTrue(sync.apply(onTheRoad, T0));
        assertEquals(Map.of("Hostname", "shed-pi", "InternalIP", "172.20.10.3"), addresses(node()));
        assertTrue("label mode leaves the kubelet's addresses alone", sync.apply(atHome, T0.plusSeconds(1)));
        assertEquals(Map.of("Hostname", "shed-pi", "InternalIP", "172.20.10.3"), addresses(node()));
    }

    private static Map<String, String> addresses(Node node) {
        return node.getStatus().getAddresses().stream()
                .collect(java.util.stream.Collectors.toMap(a -> a.getType(), a -> a.getAddress()));
    }

    @Test
    public void labelsResourcesAndConditionsComeAndGoWithoutTouchingOthers() {
        assertTrue(sync.apply(wanted(true, true), T0));
        Node node = node();
        assertEquals("true", node.getMetadata().getLabels().get("outrigger.dev/meshtastic"));
        assertEquals(new Quantity("1"), node.getStatus().getCapacity().get("outrigger.dev/meshtastic"));
        assertEquals(new Quantity("1"), node.getStatus().getAllocatable().get("outrigger.dev/meshtastic"));
        assertEquals("True", condition(node, "MqttConnected").getStatus());

        // unplugged: ours go, the kubelet's and the hand-set label stay
        assertTrue(sync.apply(wanted(false, true), T0.plusSeconds(1)));
        node = node();
        assertFalse(node.getMetadata().getLabels().containsKey("outrigger.dev/meshtastic"));
        assertFalse(node.getStatus().getCapacity().containsKey("outrigger.dev/meshtastic"));
        assertEquals("true", node.getMetadata().getLabels().get("example.com/radio"));
        assertEquals("arm64", node.getMetadata().getLabels().get("kubernetes.io/arch"));
        assertEquals(new Quantity("4"), node.getStatus().getCapacity().get("cpu"));
        assertEquals("KubeletReady", condition(node, "Ready").getReason());
    }

    @Test
    public void thePodGetsThePortsOfItsBridgesAndKeepsTheLabelsOthersSet() {
        // as a DaemonSet makes it: labels, no annotations; and one made by hand with neither
        client.pods().inNamespace("outrigger").resource(new PodBuilder().withNewMetadata().withName("outrigger-x7k2p")
                .addToLabels("app.kubernetes.io/name", "outrigger").addToLabels("pod-template-generation", "3").endMetadata()
                .build()).create();
        client.pods().inNamespace("outrigger").resource(new PodBuilder().withNewMetadata().withName("bare").endMetadata().build())
                .create();

        assertTrue(sync.labelPod("outrigger", "outrigger-x7k2p", Map.of("outrigger.dev/bridge-6638", "true",
                "outrigger.dev/bridge-6639", "true")));
        assertEquals(Map.of("app.kubernetes.io/name", "outrigger", "pod-template-generation", "3", "outrigger.dev/bridge-6638", "true",
                "outrigger.dev/bridge-6639", "true"), podLabels("outrigger-x7k2p"));
        // the Z-Wave stick unplugged, and someone else's label with our prefix added meanwhile
        client.pods().inNamespace("outrigger").withName("outrigger-x7k2p")
                .edit(p -> new PodBuilder(p).editMetadata().addToLabels("outrigger.dev/team", "radio").endMetadata().build());
        assertTrue(sync.labelPod("outrigger", "outrigger-x7k2p", Map.of("outrigger.dev/bridge-6638", "true")));
        assertEquals(Map.of("app.kubernetes.io/name", "outrigger", "pod-template-generation", "3", "outrigger.dev/bridge-6638", "true",
                "outrigger.dev/team", "radio"), podLabels("outrigger-x7k2p"));
        assertTrue(sync.labelPod("outrigger", "outrigger-x7k2p", Map.of()));
        assertEquals(Map.of("app.kubernetes.io/name", "outrigger", "pod-template-generation", "3", "outrigger.dev/team", "radio"),
                podLabels("outrigger-x7k2p"));

        assertTrue(sync.labelPod("outrigger", "bare", Map.of("outrigger.dev/bridge-6638", "true")));
        assertEquals(Map.of("outrigger.dev/bridge-6638", "true"), podLabels("bare"));
        assertFalse("no such Pod", sync.labelPod("outrigger", "gone", Map.of()));
    }

    private Map<String, String> podLabels(String name) {
        return client.pods().inNamespace("outrigger").withName(name).get().getMetadata().getLabels();
    }

    @Test
    public void heartbeatEveryReportTransitionOnlyOnAFlip() {
        sync.apply(wanted(false, true), T0);
        sync.apply(wanted(false, true), T0.plusSeconds(60));
        NodeCondition mqtt = condition(node(), "MqttConnected");
        assertEquals("2026-11-23T10:01:00Z", mqtt.getLastHeartbeatTime());
        assertEquals("unchanged status, unchanged transition", "2026-11-23T10:00:00Z", mqtt.getLastTransitionTime());

        sync.apply(wanted(false, false), T0.plusSeconds(90));
        mqtt = condition(node(), "MqttConnected");
        assertEquals("False", mqtt.getStatus());
        assertEquals("2026-11-23T10:01:30Z", mqtt.getLastTransitionTime());
    }

    @Test
    public void aLeaseOfItsOwnCreatedThenRenewed() {
        sync.renewLease("outrigger", "outrigger-shed-pi", 40, T0);
        sync.renewLease("outrigger", "outrigger-shed-pi", 40, T0.plusSeconds(10));
        Lease lease = client.leases().inNamespace("outrigger").withName("outrigger-shed-pi").get();
        // the API server takes MicroTime with exactly six fractional digits, nothing else
        String json = client.getKubernetesSerialization().asJson(lease);
        assertTrue(json, json.matches("(?s).*\"renewTime\":\"2026-11-23T10:00:10\\.000000Z\".*"));
        assertNotNull(lease);
        assertEquals("shed-pi", lease.getSpec().getHolderIdentity());
        assertEquals(Integer.valueOf(40), lease.getSpec().getLeaseDurationSeconds());
        assertEquals(T0.plusSeconds(10), lease.getSpec().getRenewTime().toInstant());
    }

    /** Node metadata and status have other writers (the kubelet, CNI plugins, controllers): theirs is read again, not a failure. */
    @Test
    public void aWriteBasedOnWhatAnotherWriterChangedMeanwhileIsMadeAgainOnWhatIsThereNow() throws Exception {
        api.conflictOnNext("PATCH /api/v1/nodes/shed-pi");
        api.conflictOnNext("PATCH /api/v1/nodes/shed-pi/status");
        api.conflictOnNext("PUT /apis/coordination.k8s.io/v1/namespaces/outrigger/leases/outrigger-shed-pi");
        assertTrue(sync.apply(wanted(true, true), T0));
        sync.renewLease("outrigger", "outrigger-shed-pi", 40, T0);
        sync.renewLease("outrigger", "outrigger-shed-pi", 40, T0.plusSeconds(10));

        Node node = node();
        assertEquals("true", node.getMetadata().getLabels().get("outrigger.dev/meshtastic"));
        assertEquals(new Quantity("1"), node.getStatus().getCapacity().get("outrigger.dev/meshtastic"));
        assertEquals("True", condition(node, "MqttConnected").getStatus());
        assertEquals(T0.plusSeconds(10), client.leases().inNamespace("outrigger").withName("outrigger-shed-pi").get().getSpec()
                .getRenewTime().toInstant());
        assertEquals("three writes refused, each made again", 6,
                api.requests().stream().filter(r -> r.startsWith("PATCH ") || r.startsWith("PUT ")).count());
    }

    @Test
    public void aMissingNodeIsReportedNotCreated() {
        assertFalse(new NodeSync(client, "elsewhere").apply(wanted(true, true), T0));
        assertEquals(null, client.nodes().withName("elsewhere").get());
    }

    private static NodeCondition condition(Node node, String type) {
        return node.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
