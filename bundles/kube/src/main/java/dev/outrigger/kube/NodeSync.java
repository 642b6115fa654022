package dev.outrigger.kube;

import static java.net.HttpURLConnection.HTTP_CONFLICT;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * Brings one Node to the wanted state: labels in {@code metadata}, extended resources in
 * {@code status.capacity} and {@code status.allocatable}, conditions in {@code status.conditions},
 * and keeps a heartbeat Lease; and labels the gateway's own Pod. Only what it created itself is
 * ever changed or removed: the keys it owns are listed in an annotation on the Node (and the Pod),
 * and anything else is left alone.
 */
final class NodeSync {

    /** The labels and extended resources this gateway put on the Node (or the Pod), comma-separated. */
    static final String OWNED = "outrigger.dev/owned";
    static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    /** What the Node should carry. Conditions: type to status ("True"/"False") and reason. */
    /** @param address node mode: the Node's InternalIP as it is now; null in label mode, where the kubelet says it */
    record Wanted(Map<String, String> labels, Map<String, Integer> resources, Map<String, Condition> conditions, String address) {
    }

    record Condition(boolean status, String reason, String message) {
    }

    private final KubernetesClient client;
    private final String nodeName;

    NodeSync(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    /**
     * Labels and resources as wanted (ours only), conditions refreshed: {@code lastHeartbeatTime}
     * now, {@code lastTransitionTime} only where the status flipped.
     *
     * @return false when the Node does not exist
     */
    boolean apply(Wanted wanted, Instant now) {
        Node node = client.nodes().withName(nodeName).get();
        if (node == null) {
            return false;
        }
        Set<String> owned = owned(node.getMetadata());
        Set<String> stillOwned = new TreeSet<>();
        stillOwned.addAll(wanted.labels().keySet());
        stillOwned.addAll(wanted.resources().keySet());
        retriedOnConflict(() -> client.nodes().withName(nodeName).edit(n -> {
            Map<String, String> labels = n.getMetadata().getLabels() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(n.getMetadata().getLabels());
            owned.stream().filter(k -> !wanted.labels().containsKey(k)).forEach(labels::remove);
            labels.putAll(wanted.labels());
            n.getMetadata().setLabels(labels);
            Map<String, String> annotations = n.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(n.getMetadata().getAnnotations());
            annotations.put(OWNED, String.join(",", stillOwned));
            n.getMetadata().setAnnotations(annotations);
            return n;
        }));
        retriedOnConflict(() -> client.nodes().withName(nodeName).editStatus(n -> {
            if (n.getStatus() == null) {
                n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
            }
            Map<String, Quantity> capacity = copy(n.getStatus().getCapacity());
            Map<String, Quantity> allocatable = copy(n.getStatus().getAllocatable());
            for (String key : owned) {
                if (!wanted.resources().containsKey(key)) {
                    capacity.remove(key);
                    allocatable.remove(key);
                }
            }
            wanted.resources().forEach((key, count) -> {
                capacity.put(key, new Quantity(Integer.toString(count)));
                allocatable.put(key, new Quantity(Integer.toString(count)));
            });
            n.getStatus().setCapacity(capacity);
            n.getStatus().setAllocatable(allocatable);
            n.getStatus().setConditions(conditions(n.getStatus().getConditions(), wanted.conditions(), now));
            if (wanted.address() != null) {
                n.getStatus().setAddresses(withInternalIp(n.getStatus().getAddresses(), wanted.address()));
            }
            return n;
        }));
        return true;
    }

    /**
     * Labels on the gateway's own Pod, as wanted (ours only, owned as on the Node): what a Service
     * selects to reach this gateway. Read as a generic resource, changed by a JSON patch of its
     * labels: the typed model of a Pod is hundreds of classes, of its spec, that this needs none of.
     *
     * @return false when the Pod does not exist
     */
    boolean labelPod(String namespace, String podName, Map<String, String> labels) {
        Resource<GenericKubernetesResource> pod = client.genericKubernetesResources("v1", "Pod").inNamespace(namespace)
                .withName(podName);
        GenericKubernetesResource current = pod.get();
        if (current == null) {
            return false;
        }
        ObjectMeta metadata = current.getMetadata();
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        if (metadata.getLabels() == null) {
            ObjectNode all = patch.addObject().put("op", "add").put("path", "/metadata/labels").putObject("value");
            labels.forEach(all::put);
        } else {
            owned(metadata).stream().filter(k -> !labels.containsKey(k) && metadata.getLabels().containsKey(k))
                    .forEach(k -> patch.addObject().put("op", "remove").put("path", "/metadata/labels/" + pointer(k)));
            labels.forEach((k, v) -> patch.addObject().put("op", "add").put("path", "/metadata/labels/" + pointer(k)).put("value", v));
        }
        String stillOwned = String.join(",", new TreeSet<>(labels.keySet()));
        if (metadata.getAnnotations() == null) {
            patch.addObject().put("op", "add").put("path", "/metadata/annotations").putObject("value").put(OWNED, stillOwned);
        } else {
            patch.addObject().put("op", "add").put("path", "/metadata/annotations/" + pointer(OWNED)).put("value", stillOwned);
        }
        pod.patch(PatchContext.of(PatchType.JSON), patch.toString());
        return true;
    }

    /** A map key as a JSON pointer's segment (RFC 6901): {@code outrigger.dev~1bridge-6638}. */
    private static String pointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** Ours replaced (transition time kept unless the status flipped), the kubelet's and others' kept. */
    static List<NodeCondition> conditions(List<NodeCondition> current, Map<String, Condition> wanted, Instant now) {
        String time = TIME.format(now);
        Map<String, NodeCondition> byType = new LinkedHashMap<>();
        if (current != null) {
            current.forEach(c -> byType.put(c.getType(), c));
        }
        wanted.forEach((type, c) -> {
            NodeCondition old = byType.get(type);
            String status = c.status() ? "True" : "False";
            String transition = old != null && status.equals(old.getStatus()) && old.getLastTransitionTime() != null
                    ? old.getLastTransitionTime() : time;
            byType.put(type, new NodeConditionBuilder().withType(type).withStatus(status).withReason(c.reason())
                    .withMessage(c.message()).withLastHeartbeatTime(time).withLastTransitionTime(transition).build());
        });
        return new ArrayList<>(byType.values());
    }

    /**
     * Creates or renews a Lease held by this node: an update carrying the resourceVersion it read,
     * so a concurrent writer makes it re-read (409) rather than overwrite; created when missing.
     */
    void renewLease(String namespace, String name, int durationSeconds, Instant now) {
        ZonedDateTime time = ZonedDateTime.ofInstant(now, ZoneOffset.UTC);
        retriedOnConflict(() -> {
            Lease lease = client.leases().inNamespace(namespace).withName(name).get();
            if (lease == null) {
                return client.leases().inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withName(name)
                        .withNamespace(namespace).addToLabels("app.kubernetes.io/name", "outrigger").endMetadata()
                        .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(durationSeconds)
                        .withAcquireTime(time).withRenewTime(time).endSpec().build()).create();
            }
            lease.getSpec().setRenewTime(time);
            lease.getSpec().setHolderIdentity(nodeName);
            lease.getSpec().setLeaseDurationSeconds(durationSeconds);
            return client.leases().inNamespace(namespace).resource(lease).update();
        });
    }

    /**
     * A read-modify-write made again on what is there now when the API server refuses it (409)
     * because another writer changed the object since it was read; a third refusal is a failure.
     */
    private static <T> T retriedOnConflict(Supplier<T> write) {
        for (int attempt = 0; ; attempt++) {
            try {
                return write.get();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HTTP_CONFLICT || attempt >= 2) {
                    throw e;
                }
            }
        }
    }

    /**
     * Node mode, for a gateway without a kubelet: registers its Node, tainted so that no ordinary
     * pod lands on it, with what a node controller and {@code kubectl get nodes} expect to see.
     */
    void register(String architecture, String address, String version) {
        Node node = new NodeBuilder().withNewMetadata().withName(nodeName)
                .addToLabels("kubernetes.io/hostname", nodeName).addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", architecture).addToLabels("outrigger.dev/gateway", "true").endMetadata()
                .withNewSpec().addNewTaint().withKey("outrigger.dev/gateway").withEffect("NoSchedule").endTaint().endSpec()
                .build();
        client.nodes().resource(node).create();
        client.nodes().withName(nodeName).editStatus(n -> {
            n.setStatus(new NodeStatusBuilder().addNewAddress().withType("Hostname").withAddress(nodeName).endAddress()
                    .addNewAddress().withType("InternalIP").withAddress(address).endAddress()
                    .withNewNodeInfo().withArchitecture(architecture).withOperatingSystem("linux")
                    .withKubeletVersion(version).withKubeProxyVersion("").withContainerRuntimeVersion("none://outrigger")
                    .withOsImage("Outrigger edge gateway " + version).withKernelVersion(System.getProperty("os.version"))
                    .withMachineID("").withSystemUUID("").withBootID("").endNodeInfo().build());
            return n;
        });
    }

    /** The Node's addresses with its InternalIP the one given; the others (its Hostname) as they are. */
    static List<NodeAddress> withInternalIp(List<NodeAddress> addresses, String internalIp) {
        List<NodeAddress> updated = new ArrayList<>();
        if (addresses != null) {
            addresses.stream().filter(a -> !"InternalIP".equals(a.getType())).forEach(updated::add);
        }
        updated.add(new NodeAddressBuilder().withType("InternalIP").withAddress(internalIp).build());
        return updated;
    }

    private static Set<String> owned(ObjectMeta metadata) {
        Map<String, String> annotations = metadata.getAnnotations();
        String list = annotations == null ? null : annotations.get(OWNED);
        return list == null || list.isBlank() ? Set.of()
                : Arrays.stream(list.split(",")).map(String::trim).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static Map<String, Quantity> copy(Map<String, Quantity> map) {
        return map == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map);
    }
}
