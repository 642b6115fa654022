package dev.outrigger.kube;

import static java.net.HttpURLConnection.HTTP_CONFLICT;
import static java.net.HttpURLConnection.HTTP_NOT_FOUND;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * Node mode: no Pod of the gateway's for a Service to select, so it adds itself to the Services
 * that select a port of its bridges ({@code outrigger.dev/bridge-6638: "true"}, the same Services
 * that find gateways in pods) as controllers add endpoints outside the cluster's pods: an
 * EndpointSlice of its own per Service, with its address and the bridge's port. The EndpointSlice
 * controller leaves slices managed by others alone; kube-proxy and DNS take them with the Service's
 * own. Each slice belongs to its Service (owner reference), so deleting the Service deletes it.
 * A gateway killed outright leaves its slices behind: the others mark them not ready while its
 * Node is not Ready, as the cluster does with the pods of such a node, and delete them once its
 * Node is gone.
 */
final class BridgeEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeEndpoints.class);
    private static final String SERVICE_NAME = "kubernetes.io/service-name";
    private static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String NOT_JOINED = "not joined: ";
    /** Named in full: the client would otherwise ask the API server for what the group holds first. */
    private static final ResourceDefinitionContext SERVICE = new ResourceDefinitionContext.Builder().withVersion("v1")
            .withKind("Service").withPlural("services").withNamespaced(true).build();
    private static final ResourceDefinitionContext ENDPOINT_SLICE = new ResourceDefinitionContext.Builder()
            .withGroup("discovery.k8s.io").withVersion("v1").withKind("EndpointSlice").withPlural("endpointslices")
            .withNamespaced(true).build();

    /** A bridge that listens with its device present, reachable at that address (of this host). */
    record Offer(int port, String address) {
    }

    private final KubernetesClient client;
    private final String nodeName;
    private final String namespace;
    private final String prefix;

    BridgeEndpoints(KubernetesClient client, String nodeName, String namespace, String prefix) {
        this.client = client;
        this.nodeName = nodeName;
        this.namespace = namespace;
        this.prefix = prefix;
    }

    /**
     * This gateway's slices as the offers want them: one per Service selecting an offered port,
     * none where no bridge serves.
     *
     * @return the endpoints in place now, by Service: {@code zigbee=192.168.1.20:6638}
     */
    Map<String, String> apply(List<Offer> offers) {
        Map<String, GenericKubernetesResource> wanted = new TreeMap<>();
        Map<String, String> endpoints = new TreeMap<>();
        for (GenericKubernetesResource service : client.genericKubernetesResources(SERVICE).inNamespace(namespace).list()
                .getItems()) {
            Map<String, Object> selector = service.get("spec", "selector");
            List<Map<String, Object>> ports = service.get("spec", "ports");
            for (Offer offer : offers) {
                if (selector == null || ports == null || !"true".equals(selector.get(prefix + "/bridge-" + offer.port()))) {
                    continue;
                }
                for (Map<String, Object> port : ports) {
                    if (targets(port, offer.port())) {
                        wanted.put(sliceName(service), slice(service, (String) port.get("name"), offer));
                        endpoints.put(service.getMetadata().getName(), offer.address() + ":" + offer.port());
                    }
                }
            }
        }
        Map<String, GenericKubernetesResource> current = new TreeMap<>();
        Map<String, Optional<Node>> nodes = new HashMap<>();
        for (GenericKubernetesResource slice : slices().withLabel(MANAGED_BY, managedBy()).list().getItems()) {
            String node = nodeOf(slice);
            if (node == null) {
                // no endpoint to say whose it is: not as a gateway writes it, left alone
            } else if (!nodeName.equals(node)) {
                Optional<Node> found = nodes.computeIfAbsent(node, n -> Optional.ofNullable(client.nodes().withName(n).get()));
                if (found.isEmpty()) {
                    removeOrphan(slice, node);
                } else if (!ready(found.get())) {
                    markNotReady(slice, node);
                }
            } else if (wanted.containsKey(slice.getMetadata().getName())) {
                current.put(slice.getMetadata().getName(), slice);
            } else {
                slices().withName(slice.getMetadata().getName()).delete();
            }
        }
        // written only where it changed, as of the version read: every kube-proxy in the cluster watches EndpointSlices
        wanted.forEach((name, slice) -> {
            GenericKubernetesResource now = current.get(name);
            if (now == null) {
                slices().resource(slice).create();
            } else if (!same(slice, now)) {
                slice.getMetadata().setResourceVersion(now.getMetadata().getResourceVersion());
                slices().resource(slice).update();
            }
        });
        return endpoints;
    }

    /** The node a slice's endpoints are on: the gateway that wrote it. */
    private static String nodeOf(GenericKubernetesResource slice) {
        List<Map<String, Object>> endpoints = slice.get("endpoints");
        return endpoints == null || endpoints.isEmpty() ? null : (String) endpoints.get(0).get("nodeName");
    }

    /** Whether the node controller holds the node Ready: its gateway renews its Lease. */
    private static boolean ready(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * Another gateway's slice, whose Node is gone: that gateway was taken out of service (its Node
     * deleted, as {@code kubectl delete node} does) without stopping cleanly. A gateway that still
     * runs registers its Node again at its next report, and its slices with it.
     */
    private void removeOrphan(GenericKubernetesResource slice, String node) {
        if (!slices().withName(slice.getMetadata().getName()).delete().isEmpty()) {
            LOG.info("Kubernetes: EndpointSlice {} deleted: its Node {} is gone", slice.getMetadata().getName(), node);
        }
    }

    /**
     * Another gateway's slice, whose Node is not Ready: that gateway was killed outright or cut
     * off, and took nothing away. Its endpoints are marked neither ready nor serving, as the
     * cluster marks the pods of a node it no longer hears from, so kube-proxy sends no client
     * there; the gateway marks them ready again when it reports once more.
     */
    private void markNotReady(GenericKubernetesResource slice, String node) {
        List<Map<String, Object>> endpoints = slice.get("endpoints");
        if (endpoints == null || endpoints.stream().allMatch(BridgeEndpoints::markedNotReady)) {
            return;
        }
        List<Map<String, Object>> marked = new ArrayList<>();
        for (Map<String, Object> endpoint : endpoints) {
            Map<String, Object> copy = new TreeMap<>(endpoint);
            copy.put("conditions", Map.of("ready", false, "serving", false, "terminating", false));
            marked.add(copy);
        }
        slice.setAdditionalProperty("endpoints", marked);
        try {
            slices().resource(slice).update();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HTTP_CONFLICT || e.getCode() == HTTP_NOT_FOUND) {
                return; // its gateway wrote or removed it meanwhile: looked at again at the next report
            }
            throw e;
        }
        LOG.info("Kubernetes: EndpointSlice {} marked not ready: Node {} is not Ready (its gateway stopped reporting); "
                + "ready again when that gateway reports", slice.getMetadata().getName(), node);
    }

    private static boolean markedNotReady(Map<String, Object> endpoint) {
        return endpoint.get("conditions") instanceof Map<?, ?> c && Boolean.FALSE.equals(c.get("ready"))
                && Boolean.FALSE.equals(c.get("serving"));
    }

    /**
     * {@link #apply} said in words for {@code kube:status}: the Services joined, or why none. Credentials
     * that may not touch Services or EndpointSlices (a node-mode gateway's from before this could)
     * leave out this alone: the Node and its Lease go on.
     */
    String join(List<Offer> offers) {
        try {
            Map<String, String> joined = apply(offers);
            return joined.isEmpty() ? "none: no Service selects a port this gateway offers" : joined.toString();
        } catch (KubernetesClientException e) {
            if (e.getCode() != KubeKeeper.HTTP_FORBIDDEN) {
                throw e;
            }
            return NOT_JOINED + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                    : "forbidden") + " (the gateway's credentials need services list, and endpointslices list, create, update "
                    + "and delete, in namespace " + namespace + ")";
        }
    }

    private static boolean same(GenericKubernetesResource wanted, GenericKubernetesResource current) {
        return current != null && wanted.getMetadata().getLabels().equals(current.getMetadata().getLabels())
                && wanted.getMetadata().getOwnerReferences().equals(current.getMetadata().getOwnerReferences())
                && wanted.getAdditionalProperties().equals(current.getAdditionalProperties());
    }

    /** Whether a Service's port goes to the bridge's: its target port, or its port where it names no target. */
    private static boolean targets(Map<String, Object> port, int bridgePort) {
        Object target = port.getOrDefault("targetPort", port.get("port"));
        return target instanceof Number n && n.intValue() == bridgePort;
    }

    private String sliceName(GenericKubernetesResource service) {
        return service.getMetadata().getName() + "-" + nodeName;
    }

    private GenericKubernetesResource slice(GenericKubernetesResource service, String portName, Offer offer) {
        Map<String, Object> endpointPort = new TreeMap<>(Map.of("port", offer.port(), "protocol", "TCP"));
        if (portName != null && !portName.isEmpty()) {
            // kube-proxy pairs a Service's port with the slice's port of the same name
            endpointPort.put("name", portName);
        }
        GenericKubernetesResourceBuilder slice = new GenericKubernetesResourceBuilder().withApiVersion("discovery.k8s.io/v1")
                .withKind("EndpointSlice").withNewMetadata().withName(sliceName(service)).withNamespace(namespace)
                .addToLabels(SERVICE_NAME, service.getMetadata().getName()).addToLabels(MANAGED_BY, managedBy())
                .addToLabels(prefix + "/node", KubeKeeper.labelValue(nodeName)).endMetadata()
                .addToAdditionalProperties("addressType", family(offer.address()))
                .addToAdditionalProperties("endpoints", List.of(Map.of("addresses", List.of(offer.address()),
                        "conditions", Map.of("ready", true, "serving", true, "terminating", false), "nodeName", nodeName)))
                .addToAdditionalProperties("ports", List.of(endpointPort));
        if (service.getMetadata().getUid() != null) {
            slice.editMetadata().withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service")
                    .withName(service.getMetadata().getName()).withUid(service.getMetadata().getUid()).build()).endMetadata();
        }
        return slice.build();
    }

    private String managedBy() {
        return prefix + "-gateway";
    }

    private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> slices() {
        return client.genericKubernetesResources(ENDPOINT_SLICE).inNamespace(namespace);
    }

    /**
     * Where clients reach a bridge listening on that address, or null for one they cannot: a
     * wildcard listens on every address of this host, the Node's among them; loopback on none of
     * theirs.
     */
    static String reachableAt(String bind, String nodeAddress) {
        try {
            InetAddress address = InetAddress.getByName(bind);
            if (address.isLoopbackAddress()) {
                return null;
            }
            return address.isAnyLocalAddress() ? nodeAddress : address.getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String family(String address) {
        try {
            return InetAddress.getByName(address) instanceof Inet6Address ? "IPv6" : "IPv4";
        } catch (UnknownHostException e) {
            return "IPv4";
        }
    }
}
