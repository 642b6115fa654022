package dev.outrigger.kube;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * What changed on the gateway, as Events about its Node, the way the kubelet and
 * node-problem-detector record theirs: {@code kubectl describe node} and {@code kubectl get events}
 * then show a radio plugged in or unplugged and a condition turning true or false, with the time.
 * The first look after a start only takes the state in (a restart announces nothing). Events are
 * best effort, as the kubelet's are: one that cannot be recorded is dropped with one log line, and
 * never holds up the Node's report; more than {@link #PER_MINUTE} a minute (a device that flaps)
 * are dropped and counted. The same change again within {@link #SERIES} counts up the Event that
 * said it first ({@code count}, {@code lastTimestamp}), as the kubelet's recorder does, so that
 * {@code kubectl} shows "x5 over 3m" instead of five lines.
 */
final class NodeEvents {

    /** An Event to record: {@code Normal} or {@code Warning}, a CamelCase reason, a sentence. */
    record Change(String type, String reason, String message) {
    }

    /** An Event already recorded: its name, how often it was said, and when last. */
    private record Series(String name, int count, Instant last) {
    }

    static final int PER_MINUTE = 10;
    /** How long a recorded Event is counted up rather than said again: the kubelet's 10 minutes. */
    static final Duration SERIES = Duration.ofMinutes(10);
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
    /** The Events recorded within {@link #SERIES}, by what they said: at most {@code 10 x PER_MINUTE}. */
    private final Map<Change, Series> series = new HashMap<>();
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
        // after the last minute, or ahead of now: the clock was set back (a Pi without RTC), which must not stop Events
        while (!recent.isEmpty() && (recent.peekFirst().isBefore(now.minus(1, ChronoUnit.MINUTES)) || recent.peekLast().isAfter(now))) {
            recent.removeFirst();
        }
        series.values().removeIf(s -> s.last().isBefore(now.minus(SERIES)));
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
                series.put(change, recordOnce(change, now));
                recorded++;
                failing = "";
            } catch (KubernetesClientException e) {
                String why = KubeKeeper.why(e);
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

    /**
     * A new Event, or the count of the one that said the same within {@link #SERIES} raised by a
     * merge patch (a real API server takes it for Events, and so does the mock). That Event gone
     * (an Event lives an hour; the API server may have been replaced): a new one.
     */
    private Series recordOnce(Change change, Instant now) {
        Series before = series.get(change);
        String time = timestamp(now);
        if (before != null) {
            try {
                // by its name alone: with no object at hand, the client would read the Event first
                client.v1().events().inNamespace(NAMESPACE).resource(named(before.name())).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"count\":" + (before.count() + 1) + ",\"lastTimestamp\":\"" + time + "\"}");
                return new Series(before.name(), before.count() + 1, now);
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                    throw e;
                }
            }
        }
        Event created = client.v1().events().inNamespace(NAMESPACE).resource(event(change, now)).create();
        return new Series(created.getMetadata().getName(), 1, now);
    }

    private static Event named(String name) {
        return new EventBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata().build();
    }

    /** The API server's Time: seconds. */
    private static String timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
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

    /** A core/v1 Event as the kubelet writes one about its Node (its name as uid), said once so far. */
    private Event event(Change change, Instant now) {
        String time = timestamp(now);
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
