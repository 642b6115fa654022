package dev.outrigger.kube;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * What changed on the gateway, as Events about its Node, the way the kubelet and
 * node-problem-detector record theirs: {@code kubectl describe node} and {@code kubectl get events}
 * then show a radio plugged in or unplugged and a condition turning true or false, with the time.
 * The first look after a start only takes the state in (a restart announces nothing). Events are
 * best effort, as the kubelet's are: one that cannot be recorded is dropped with one log line, and
 * never holds up the Node's report; more than {@link #PER_MINUTE} a minute (a device that flaps)
 * are dropped and counted.
 */
final class NodeEvents {

    /** An Event to record: {@code Normal} or {@code Warning}, a CamelCase reason, a sentence. */
    record Change(String type, String reason, String message) {
    }

    static final int PER_MINUTE = 10;
    private static final int MAX_MESSAGE = 1024;
    /** Events about a cluster-scoped object such as a Node live in the default namespace. */
    private static final String NAMESPACE = "default";
    /** Follows from the device events; a change of its own would say the same twice. */
    private static final Set<String> NOT_ANNOUNCED = Set.of("SerialDevicesPresent");
    private static final Logger LOG = LoggerFactory.getLogger(NodeEvents.class);

    private final KubernetesClient client;
    private final String nodeName;
    private Map<String, String> devices;
    private Map<String, NodeSync.Condition> conditions;
    private final Deque<Instant> recent = new ArrayDeque<>();
    private long sequence;
    private int dropped;
    private volatile String failing = "";
    private volatile long recorded;
    private volatile long droppedTotal;

    NodeEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    /**
     * The changes since the last look, none at the first.
     *
     * @param devices each device present (not ignored) by its id, described for people
     */
    List<Change> changes(Map<String, String> devices, Map<String, NodeSync.Condition> conditions) {
        List<Change> changes = new ArrayList<>();
        if (this.devices != null) {
            devices.forEach((id, described) -> {
                if (!this.devices.containsKey(id)) {
                    changes.add(new Change("Normal", "SerialDeviceAdded", "Plugged in: " + described));
                }
            });
            this.devices.forEach((id, described) -> {
                if (!devices.containsKey(id)) {
                    changes.add(new Change("Normal", "SerialDeviceRemoved", "Unplugged: " + described));
                }
            });
            conditions.forEach((type, now) -> {
                NodeSync.Condition before = this.conditions.get(type);
                if (!NOT_ANNOUNCED.contains(type) && (before == null || before.status() != now.status())) {
                    changes.add(new Change(now.status() ? "Normal" : "Warning", now.reason(), type + " is "
                            + (now.status() ? "True" : "False") + (now.message().isEmpty() ? "" : ": " + now.message())));
                }
            });
        }
        this.devices = Map.copyOf(devices);
        this.conditions = Map.copyOf(conditions);
        return changes;
    }

    /** Records each change as an Event about the Node, within the rate limit. */
    void record(List<Change> changes, Instant now) {
        while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(1, ChronoUnit.MINUTES))) {
            recent.removeFirst();
        }
        for (Change change : changes) {
            if (recent.size() >= PER_MINUTE) {
                droppedTotal++;
                if (dropped++ == 0) {
                    LOG.warn("Kubernetes: more than {} Node events a minute; dropping the rest of this minute's", PER_MINUTE);
                }
                continue;
            }
            recent.addLast(now);
            try {
                client.v1().events().inNamespace(NAMESPACE).resource(event(change, now)).create();
                recorded++;
                failing = "";
            } catch (KubernetesClientException e) {
                String why = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
                if (!why.equals(failing)) {
                    LOG.warn("Kubernetes: cannot record the Node event {} ({}); events are dropped until they can be", change.reason(),
                            why);
                    failing = why;
                }
            }
        }
        if (recent.size() < PER_MINUTE && dropped > 0) {
            LOG.info("Kubernetes: {} Node event(s) dropped by the rate limit", dropped);
            dropped = 0;
        }
    }

    /** For {@code kube:status} and /metrics: recorded, dropped by the rate limit, and why the last one failed. */
    long recorded() {
        return recorded;
    }

    long dropped() {
        return droppedTotal;
    }

    String failing() {
        return failing;
    }

    /** Within the 1 KB the API server allows an event's note (the kubelet cuts its messages too). */
    static String shortened(String message) {
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /** A core/v1 Event as the kubelet writes one about its Node (its name as uid, counted once). */
    private Event event(Change change, Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        return new EventBuilder()
                .withNewMetadata().withName(nodeName + "." + Long.toHexString(now.toEpochMilli() * 1_000_000 + sequence++))
                .withNamespace(NAMESPACE).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Node").withName(nodeName).withUid(nodeName)
                .endInvolvedObject()
                .withType(change.type()).withReason(change.reason()).withMessage(shortened(change.message()))
                .withNewSource().withComponent("outrigger").withHost(nodeName).endSource()
                .withReportingComponent("outrigger").withReportingInstance(nodeName)
                .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                .build();
    }
}
