package dev.outrigger.kube;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The EndpointSlices a gateway in node mode keeps for its bridges, on fabric8's mock API server. */
public class BridgeEndpointsTest {

    @Rule
    public final CrudApiServer api = new CrudApiServer();
    private KubernetesClient client;
    private BridgeEndpoints shed;

    /** The Services of the radio-nodes overlay: they select the pods whose bridge serves the port. */
    @Before
    public void servicesThatSelectBridgePorts() {
        client = api.client();
        service("zigbee", "zigbee", 6638, 6638);
        service("zwave", "zwave", 6639, 6639);
        // a Service of something else, on the same port: not ours
        client.services().inNamespace("outrigger").resource(new ServiceBuilder().withNewMetadata().withName("other")
                .endMetadata().withNewSpec().addToSelector("app", "other").addNewPort().withPort(6638).endPort().endSpec().build())
                .create();
        shed = new BridgeEndpoints(client, "shed", "outrigger", "outrigger.dev");
    }

    private void service(String name, String portName, int port, int target) {
        client.services().inNamespace("outrigger").resource(new ServiceBuilder().withNewMetadata().withName(name).withUid(name + "-uid").endMetadata()
                .withNewSpec().addToSelector("app.kubernetes.io/name", "outrigger").addToSelector("outrigger.dev/bridge-" + target, "true")
                .addNewPort().withName(portName).withPort(port).withTargetPort(new IntOrString(target)).endPort().endSpec().build())
                .create();
    }

    private GenericKubernetesResource slice(String name) {
        return client.genericKubernetesResources("discovery.k8s.io/v1", "EndpointSlice").inNamespace("outrigger").withName(name).get();
    }

    @Test
    public void eachServiceSelectingABridgePortGetsTheGatewayAsEndpointWhileTheBridgeServes() throws Exception {
        assertEquals(Map.of("zigbee", "192.168.1.20:6638"), shed.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.20"))));
        GenericKubernetesResource slice = slice("zigbee-shed");
        Map<String, String> labels = slice.getMetadata().getLabels();
        assertEquals("zigbee", labels.get("kubernetes.io/service-name"));
        assertEquals("not the EndpointSlice controller's, which leaves it alone", "outrigger.dev-gateway",
                labels.get("endpointslice.kubernetes.io/managed-by"));
        assertEquals("IPv4", slice.get("addressType"));
        assertEquals(List.of(Map.of("addresses", List.of("192.168.1.20"), "nodeName", "shed",
                "conditions", Map.of("ready", true, "serving", true, "terminating", false))), slice.get("endpoints"));
        assertEquals("named as the Service's port, for kube-proxy to pair them",
                List.of(Map.of("name", "zigbee", "port", 6638, "protocol", "TCP")), slice.get("ports"));
        String uid = client.services().inNamespace("outrigger").withName("zigbee").get().getMetadata().getUid();
        assertEquals("deleted with its Service", List.of("Service " + uid), slice.getMetadata().getOwnerReferences().stream()
                .map(o -> o.getKind() + " " + o.getUid()).toList());
        assertNotNull(uid);
        assertNull("the Service of something else untouched", slice("other-shed"));
        api.requests();
        shed.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.20")));
        assertEquals("read, not written again unchanged", List.of(), api.requests().stream().filter(r -> !r.startsWith("GET ")).toList());

        // the Z-Wave stick plugged in too, the Zigbee one's bridge moved to another address
        shed.apply(List.of(new BridgeEndpoints.Offer(6638, "10.0.0.7"), new BridgeEndpoints.Offer(6639, "192.168.1.20")));
        assertEquals("one write each, the changed one as of the version listed", List.of(
                "PUT /apis/discovery.k8s.io/v1/namespaces/outrigger/endpointslices/zigbee-shed",
                "POST /apis/discovery.k8s.io/v1/namespaces/outrigger/endpointslices"),
                api.requests().stream().filter(r -> !r.startsWith("GET ")).toList());
        assertEquals(List.of("10.0.0.7"), ((Map<?, ?>) ((List<?>) slice("zigbee-shed").get("endpoints")).get(0)).get("addresses"));
        assertEquals("zwave", slice("zwave-shed").getMetadata().getLabels().get("kubernetes.io/service-name"));

        // the Zigbee stick unplugged: its endpoint gone, the other stays
        shed.apply(List.of(new BridgeEndpoints.Offer(6639, "192.168.1.20")));
        assertNull(slice("zigbee-shed"));
        assertEquals(List.of("zwave-shed"), client.genericKubernetesResources("discovery.k8s.io/v1", "EndpointSlice")
                .inNamespace("outrigger").list().getItems().stream().map(s -> s.getMetadata().getName()).toList());
    }

    @Test
    public void anotherGatewaysSlicesAreLeftAloneWhileItsNodeIsReady() {
        node("garage", "True");
        BridgeEndpoints garage = new BridgeEndpoints(client, "garage", "outrigger", "outrigger.dev");
        garage.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.30")));
        shed.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.20")));
        shed.apply(List.of());
        assertNull(slice("zigbee-shed"));
        assertEquals(List.of("192.168.1.30"), endpoint("zigbee-garage").get("addresses"));
        assertEquals(Map.of("ready", true, "serving", true, "terminating", false), conditions("zigbee-garage"));
    }

    /**
     * A gateway killed outright (a power cut) takes nothing away: once the node controller holds
     * its Node not Ready, the others mark its endpoints neither ready nor serving, and kube-proxy
     * sends no client there; back, it marks them ready again itself. Its Node deleted, they delete
     * its slices.
     */
    @Test
    public void theSlicesOfAGatewayWhoseNodeIsNotReadyAreMarkedSoUntilItReportsAgainAndDeletedWithItsNode() throws Exception {
        node("shed", "True");
        node("garage", "True");
        BridgeEndpoints garage = new BridgeEndpoints(client, "garage", "outrigger", "outrigger.dev");
        garage.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.30")));
        shed.apply(List.of(new BridgeEndpoints.Offer(6639, "192.168.1.20")));
        assertEquals(Map.of("ready", true, "serving", true, "terminating", false), conditions("zigbee-garage"));

        node("garage", "Unknown"); // its Lease ran out: the node controller's word
        api.requests();
        shed.apply(List.of(new BridgeEndpoints.Offer(6639, "192.168.1.20")));
        assertEquals(Map.of("ready", false, "serving", false, "terminating", false), conditions("zigbee-garage"));
        assertEquals(List.of("192.168.1.30"), endpoint("zigbee-garage").get("addresses"));
        assertEquals("marked once", List.of("PUT /apis/discovery.k8s.io/v1/namespaces/outrigger/endpointslices/zigbee-garage"),
                api.requests().stream().filter(r -> !r.startsWith("GET ")).toList());
        shed.apply(List.of(new BridgeEndpoints.Offer(6639, "192.168.1.20")));
        assertEquals("not again", List.of(), api.requests().stream().filter(r -> !r.startsWith("GET ")).toList());
        assertEquals("its own slice as it was", Map.of("ready", true, "serving", true, "terminating", false), conditions("zwave-shed"));

        // the garage's gateway back: its Node Ready, its slice too, and left so
        node("garage", "True");
        garage.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.30")));
        shed.apply(List.of(new BridgeEndpoints.Offer(6639, "192.168.1.20")));
        assertEquals(Map.of("ready", true, "serving", true, "terminating", false), conditions("zigbee-garage"));

        // a Node deleted (a gateway taken out of service): its slices go with it
        client.nodes().withName("garage").delete();
        shed.apply(List.of());
        assertNull(slice("zigbee-garage"));
        // unless its gateway still runs: it registers its Node again and writes its slice back
        node("garage", "True");
        garage.apply(List.of(new BridgeEndpoints.Offer(6638, "192.168.1.30")));
        assertEquals(Map.of("ready", true, "serving", true, "terminating", false), conditions("zigbee-garage"));
    }

    private void node(String name, String ready) {
        Node node = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .addNewCondition().withType("Ready").withStatus(ready).endCondition().endStatus().build();
        if (client.nodes().withName(name).get() == null) {
            client.nodes().resource(node).create();
        } else {
            client.nodes().resource(node).update();
        }
    }

    private Map<?, ?> endpoint(String slice) {
        return (Map<?, ?>) ((List<?>) slice(slice).get("endpoints")).get(0);
    }

    private Map<?, ?> conditions(String slice) {
        return (Map<?, ?>) endpoint(slice).get("conditions");
    }

    @Test
    public void onlyBridgesOthersCanReachAreOffered() {
        assertNull("this host only", BridgeEndpoints.reachableAt("127.0.0.1", "192.168.1.20"));
        assertNull(BridgeEndpoints.reachableAt("::1", "192.168.1.20"));
        assertEquals("every address of this host: the Node's", "192.168.1.20", BridgeEndpoints.reachableAt("0.0.0.0", "192.168.1.20"));
        assertEquals("192.168.1.20", BridgeEndpoints.reachableAt("::", "192.168.1.20"));
        assertEquals("10.0.0.7", BridgeEndpoints.reachableAt("10.0.0.7", "192.168.1.20"));
        assertTrue(shed.apply(List.of()).isEmpty());
    }
}
