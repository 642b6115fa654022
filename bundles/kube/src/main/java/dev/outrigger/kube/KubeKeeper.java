package dev.outrigger.kube;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.outrigger.device.Board;
import dev.outrigger.device.BoardSensors;
import dev.outrigger.device.Role;
import dev.outrigger.device.SerialBridge;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.metrics.Exposition;
import dev.outrigger.framework.net.NetworkFailures;
import dev.outrigger.framework.retry.Retry;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.health.RuntimeHealth;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.messaging.Messaging;
import dev.outrigger.position.PositionSource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Keeps the gateway's own Node true to what is plugged in and to the runtime's health, and renews
 * a heartbeat Lease; in a pod, labels the Pod with the ports its bridges serve (in node mode, adds
 * itself to the Services that select them). In a pod it uses the
 * service account (node and pod name from the downward API's {@code NODE_NAME} and
 * {@code POD_NAME}); elsewhere a configured kubeconfig; with neither it is off, says so once and
 * builds no client at all.
 */
@Component(service = KubeKeeper.class, immediate = true, configurationPid = KubeKeeper.PID)
@Designate(ocd = KubeKeeper.Settings.class)
public class KubeKeeper {

    static final String PID = "dev.outrigger.kube";
    private static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    @ObjectClassDefinition(name = "Outrigger Kubernetes", description = "Node labels, extended resources, conditions, Events, Lease")
    public @interface Settings {
        @AttributeDefinition(description = "auto: the service account in a pod, else the kubeconfig below; off: never",
                options = { @Option(value = "auto"), @Option(value = "off") })
        String mode() default "auto";

        @AttributeDefinition(required = false, description = "kubeconfig file, when not running in a pod")
        String kubeconfig() default "";

        @AttributeDefinition(required = false, description = "The Node (default: NODE_NAME from the downward API, else the host name)")
        String nodeName() default "";

        @AttributeDefinition(required = false, description = "Namespace of the Lease (default: POD_NAMESPACE, else outrigger)")
        String namespace() default "";

        @AttributeDefinition(required = false, description = "The gateway's own Pod, labelled with the ports of its bridges "
                + "for Services to select (default: POD_NAME from the downward API; without one, no Pod is labelled)")
        String podName() default "";

        @AttributeDefinition(description = "Prefix of the labels and resources, e.g. outrigger.dev/meshtastic")
        String prefix() default "outrigger.dev";

        @AttributeDefinition(min = "5", max = "600", description = "Conditions are reported at least this often (and at once on a change)")
        int reportSeconds() default 60;

        @AttributeDefinition(min = "10", max = "3600", description = "Lease duration")
        int leaseSeconds() default 40;

        @AttributeDefinition(min = "1", max = "600", description = "Lease renewal interval")
        int renewSeconds() default 10;

        @AttributeDefinition(description = "Node mode, for a gateway without a kubelet: register the Node (tainted "
                + "outrigger.dev/gateway:NoSchedule) with a Ready condition and a Lease in kube-node-lease")
        boolean registerNode() default false;
    }

    private static final Logger LOG = LoggerFactory.getLogger(KubeKeeper.class);
    static final int HTTP_FORBIDDEN = 403;
    /** How fabric8 says which request failed; said the way people say it. */
    private static final Pattern FABRIC8_OPERATION = Pattern.compile(
            "Operation: \\[(\\w+)]\\s+for kind: \\[(\\w+)]\\s+with name: \\[([^\\]]*)]\\s+in namespace: \\[([^\\]]*)]\\s+failed\\.(.*)");

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<SerialDevice> devices = new CopyOnWriteArrayList<>();
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<SerialBridge> bridges = new CopyOnWriteArrayList<>();
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<MeshRadio> radios = new CopyOnWriteArrayList<>();
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private final List<PositionSource> positions = new CopyOnWriteArrayList<>();
    private volatile Board board;
    private volatile Messaging messaging;
    /** OutriggerReady: every bundle active, every component up. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile RuntimeHealth health;

    private Settings settings;
    private String nodeName;
    private String namespace;
    /** Label mode in a pod only: the Pod whose labels say which bridges listen here. */
    private String podName;
    /** From the first successful start on; none while off or waiting for a kubeconfig. */
    private volatile KubernetesClient client;
    private ScheduledExecutorService ticks;
    private volatile NodeSync sync;
    private volatile NodeEvents events;
    /** Node mode only: the gateway's address, on its Node and in the Services of its bridges, as it is now. */
    private volatile String nodeAddress;
    /** Node mode only: the API server, the route to which gives that address. */
    private String apiHost;
    private int apiPort;
    private volatile BridgeEndpoints endpoints;
    private List<BridgeEndpoints.Offer> offersApplied;
    /** Node mode: the Services joined, or why none, for kube:status. */
    private volatile String joined;
    private NodeSync.Wanted applied;
    private volatile Map<String, String> podApplied;
    private long lastReport;
    private long lastRenew;
    private String failing = "";
    /** After an error: no call before this (nanoTime), the delay doubling from 200 ms to 7 s. */
    private long retryAt;
    private long backoffMillis;
    private volatile String state = "off";
    private volatile Instant renewed;
    private volatile Instant reported;

    @Activate
    void activate(Settings settings) {
        this.settings = settings;
        this.nodeName = first(settings.nodeName(), System.getenv("NODE_NAME"), KubeKeeper::hostName);
        this.namespace = first(settings.namespace(), System.getenv("POD_NAMESPACE"), () -> "outrigger");
        this.podName = settings.registerNode() ? null : first(settings.podName(), System.getenv("POD_NAME"), () -> null);
        boolean inPod = System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.exists(SERVICE_ACCOUNT);
        if (settings.mode().equals("off") || !inPod && settings.kubeconfig().isBlank()) {
            state = settings.mode().equals("off") ? "off (mode = off)"
                    : "off (not in a pod, and no kubeconfig configured in etc/dev.outrigger.kube.cfg)";
            LOG.info("Kubernetes: {}", state);
            return;
        }
        ticks = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-kube"));
        if (inPod) {
            start(withBundleLoader(() -> Config.autoConfigure(null)));
        } else {
            // on a k3s node the gateway may start before k3s has written its kubeconfig
            state = "waiting for the kubeconfig " + settings.kubeconfig();
            Retry.until(ticks, LOG, "Kubernetes: cannot read the kubeconfig " + settings.kubeconfig(),
                    () -> start(kubeconfig(Path.of(settings.kubeconfig()))));
        }
    }

    private static Config kubeconfig(Path file) throws IOException {
        String content;
        try {
            content = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IOException("no such file, yet", e);
        } catch (AccessDeniedException e) {
            throw new IOException("permission denied", e);
        }
        try {
            return withBundleLoader(() -> Config.fromKubeconfig(content));
        } catch (RuntimeException e) {
            throw new IOException("not a kubeconfig: " + firstLine(e), e);
        }
    }

    private void start(Config config) {
        // retries are this component's own (backoff, one log line): none inside the client
        config.setRequestRetryBackoffLimit(0);
        config.setConnectionTimeout(5_000);
        config.setRequestTimeout(10_000);
        client = withBundleLoader(() -> new KubernetesClientBuilder().withConfig(config).build());
        sync = new NodeSync(client, nodeName);
        events = new NodeEvents(client, nodeName);
        if (settings.registerNode()) {
            URI api = URI.create(config.getMasterUrl());
            apiHost = api.getHost();
            apiPort = api.getPort() != -1 ? api.getPort() : "http".equals(api.getScheme()) ? 80 : 443;
            followAddress();
            endpoints = new BridgeEndpoints(client, nodeName, namespace, settings.prefix());
        }
        // every second: a device gone or a condition flipped is on the Node within two
        ticks.scheduleWithFixedDelay(this::tick, 0, 1, TimeUnit.SECONDS);
        state = "connecting to " + config.getMasterUrl();
        LOG.info("Kubernetes: keeping Node {} ({}){}", nodeName, config.getMasterUrl(),
                settings.registerNode() ? " in node mode" : ", Lease in namespace " + namespace);
    }

    @Deactivate
    void deactivate() {
        if (endpoints != null) {
            // node mode: a gateway that stops takes itself out of its Services (nobody else will), if
            // the API server answers at once; a stop must not wait for one that does not
            Future<?> withdrawn = ticks.submit(() -> withBundleLoader(() -> endpoints.join(List.of())));
            try {
                withdrawn.get(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("Kubernetes: could not take Node {} out of the Services of its bridges: {}", nodeName,
                        e instanceof ExecutionException f && f.getCause() instanceof RuntimeException r ? why(r) : "no answer within 2 s");
            }
        }
        if (ticks != null) {
            ticks.shutdownNow();
            try {
                ticks.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (client != null) {
            client.close();
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (now - retryAt < 0) {
            return;
        }
        try {
            if (settings.registerNode()) {
                followAddress();
            }
            NodeSync.Wanted wanted = wanted();
            boolean due = now - lastReport >= TimeUnit.SECONDS.toNanos(settings.reportSeconds());
            if (!wanted.equals(applied) || due) {
                boolean found = withBundleLoader(() -> sync.apply(wanted, Instant.now()));
                if (!found && settings.registerNode()) {
                    withBundleLoader(() -> {
                        sync.register(architecture(), nodeAddress, "outrigger-" + version());
                        return null;
                    });
                    LOG.info("Kubernetes: registered Node {}", nodeName);
                    found = withBundleLoader(() -> sync.apply(wanted, Instant.now()));
                }
                if (!found) {
                    failed("Node " + nodeName + " does not exist (set nodeName, NODE_NAME from the downward API, or registerNode)");
                    return;
                }
                applied = wanted;
                lastReport = now;
                reported = Instant.now();
            }
            if (now - lastRenew >= TimeUnit.SECONDS.toNanos(settings.renewSeconds())) {
                // node mode: the Lease the node controller watches; otherwise one of its own
                String leaseNamespace = settings.registerNode() ? "kube-node-lease" : namespace;
                String leaseName = settings.registerNode() ? nodeName : "outrigger-" + nodeName;
                withBundleLoader(() -> {
                    sync.renewLease(leaseNamespace, leaseName, settings.leaseSeconds(), Instant.now());
                    return null;
                });
                lastRenew = now;
                renewed = Instant.now();
            }
            withBundleLoader(() -> {
                events.record(events.changes(presentDevices(), wanted.conditions()), Instant.now());
                return null;
            });
            Map<String, String> podLabels = podName == null ? null : podLabels();
            if (podLabels != null && (due || !podLabels.equals(podApplied))) {
                podApplied = null;
                if (!withBundleLoader(() -> sync.labelPod(namespace, podName, podLabels))) {
                    failed("Pod " + podName + " does not exist in namespace " + namespace + " (set podName, or POD_NAME from the "
                            + "downward API)");
                    return;
                }
                podApplied = podLabels;
            }
            if (endpoints != null) {
                List<BridgeEndpoints.Offer> offers = offers();
                if (due || !offers.equals(offersApplied)) {
                    offersApplied = null;
                    String services = withBundleLoader(() -> endpoints.join(offers));
                    if (services.startsWith(BridgeEndpoints.NOT_JOINED) && !services.equals(joined)) {
                        LOG.warn("Kubernetes: Node {} joins no Service of its bridges: {}", nodeName,
                                services.substring(BridgeEndpoints.NOT_JOINED.length()));
                    }
                    joined = services;
                    offersApplied = offers;
                }
            }
            backoffMillis = 0;
            state = "reporting";
            if (!failing.isEmpty()) {
                LOG.info("Kubernetes: Node {} reported again", nodeName);
                failing = "";
            }
        } catch (RuntimeException e) {
            failed(why(e));
        }
    }

    /** A failure in one line, and in words for an answer that is not the API server's. */
    static String why(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException) {
                return "the API server answered with something that is not Kubernetes JSON (a proxy or a captive portal "
                        + "in between?)";
            }
            // the API server's own words, rather than fabric8's dump of its whole answer
            if (t instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
                return k.getStatus().getMessage() + (k.getCode() == HTTP_FORBIDDEN
                        ? " (the RBAC of the gateway's service account does not grant it: apply the rbac.yaml of this release)"
                        : " (" + k.getCode() + " " + k.getStatus().getReason() + ")");
            }
        }
        // fabric8 says which operation failed, its causes why (often without a message of their own)
        String why = firstLine(e);
        String cause = NetworkFailures.inWords(e).orElseGet(() -> {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                if (t.getMessage() != null) {
                    return firstLine(t);
                }
            }
            return "";
        });
        return cause.isEmpty() || why.contains(cause) ? why : why + ": " + cause;
    }

    private static String firstLine(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String line = message.lines().findFirst().orElse(message);
        // fabric8's "Operation: [get]  for kind: [Node]  with name: [pi]  in namespace: [null]  failed."
        Matcher operation = FABRIC8_OPERATION.matcher(line);
        if (!operation.matches()) {
            return line;
        }
        String namespace = "null".equals(operation.group(4)) ? "" : " in namespace " + operation.group(4);
        String more = operation.group(5).strip();
        return operation.group(1) + " " + operation.group(2) + " " + operation.group(3) + namespace + " failed"
                + (more.isEmpty() ? "" : ": " + more);
    }

    /** One log line per kind of failure, not one per attempt; the next attempt after a backoff. */
    private void failed(String why) {
        // all of it again once the API server answers: it may have come back without what it had
        applied = null;
        podApplied = null;
        offersApplied = null;
        backoffMillis = backoffMillis == 0 ? 200 : Math.min(backoffMillis * 2, 7_000);
        retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
        state = "retrying: " + why;
        if (!why.equals(failing)) {
            LOG.warn("Kubernetes: cannot report Node {}: {}; retrying", nodeName, why);
            failing = why;
        }
    }

    /** For {@code kube:status}. */
    List<String> status() {
        List<String> lines = new ArrayList<>();
        lines.add("mode        " + settings.mode() + (settings.registerNode() ? " (node mode)" : " (label mode)"));
        lines.add("state       " + state);
        lines.add("node        " + nodeName + (settings.registerNode() && nodeAddress != null
                ? " at " + nodeAddress + " (its InternalIP)" : ""));
        lines.add("reported    " + (reported == null ? "-" : reported));
        lines.add("lease       " + (renewed == null ? "-" : "renewed " + renewed));
        NodeEvents e = events;
        if (e != null) {
            lines.add("events      " + e.recorded() + " recorded, " + e.dropped() + " dropped by the rate limit"
                    + (e.failing().isEmpty() ? "" : ", failing: " + e.failing()));
        }
        NodeSync.Wanted w = applied;
        Map<String, String> p = podApplied;
        String loopback = bridges.stream().filter(b -> BridgeEndpoints.reachableAt(b.address(), "") == null)
                .map(b -> b.port() + " (" + b.address() + ")").sorted().collect(Collectors.joining(", "));
        if (podName != null) {
            // labelled all the same: a pod beside it on the host's network may use it
            lines.add("pod         " + namespace + "/" + podName + (p == null ? "" : " labels " + p)
                    + (loopback.isEmpty() ? "" : "; listening on this host only, other nodes' pods cannot connect: " + loopback));
        }
        if (endpoints != null) {
            String in = joined;
            lines.add("services    " + (in == null ? "-" : in) + (loopback.isEmpty() ? "" : "; listening on this host only, not offered: "
                    + loopback));
        }
        if (w != null) {
            lines.add("labels      " + w.labels());
            lines.add("resources   " + w.resources());
            w.conditions().forEach((type, c) -> lines.add("condition   " + type + "=" + (c.status() ? "True" : "False")
                    + " (" + c.reason() + ")"));
        }
        return lines;
    }

    /** For /metrics: whether it reports, and when it last did and last renewed its Lease. */
    String metrics() {
        Exposition out = new Exposition();
        out.single("outrigger_kube_reporting", "gauge", "1 while the Node is reported to the API server (0: off or retrying, kube:status says why)",
                state.equals("reporting") ? 1 : 0);
        Instant r = reported;
        if (r != null) {
            out.single("outrigger_kube_last_report_timestamp_seconds", "gauge", "When the Node's labels, resources and conditions were last reported",
                    r.toEpochMilli() / 1000.0);
        }
        NodeEvents e = events;
        if (e != null) {
            out.single("outrigger_kube_events_total", "counter", "Events about the Node recorded (devices plugged and unplugged, "
                    + "conditions flipped)", e.recorded());
        }
        Instant l = renewed;
        if (l != null) {
            out.single("outrigger_kube_lease_renewed_timestamp_seconds", "gauge", "When the gateway's Lease was last renewed",
                    l.toEpochMilli() / 1000.0);
        }
        return out.toString();
    }

    NodeSync.Wanted wanted() {
        String p = settings.prefix() + "/";
        Map<String, String> labels = new TreeMap<>();
        Map<String, Integer> resources = new TreeMap<>();
        for (SerialDevice d : devices) {
            if (d.role() == Role.POD) {
                // the kubelet counts these, under their own names, as the device plugin tells it
                labels.put(p + "serial", "true");
            } else if (d.role() != Role.IGNORE) {
                labels.put(p + "serial", "true");
                labels.put(p + d.role().key(), "true");
                resources.merge(p + d.role().key(), 1, Integer::sum);
            }
        }
        Board b = board;
        if (b != null && !labelValue(b.model()).isEmpty()) {
            labels.put(p + "board", labelValue(b.model()));
        }
        if (b != null && !b.compatible().isEmpty()) {
            // the system on chip, the device tree's last (most general) compatible string: every Raspberry Pi 5
            // is brcm.bcm2712, whatever its model's revision, as a node labeller by compatible string would say
            String soc = labelValue(b.compatible().get(b.compatible().size() - 1).replace(',', '.'));
            if (!soc.isEmpty()) {
                labels.put(p + "soc", soc);
            }
        }
        Map<String, NodeSync.Condition> conditions = new TreeMap<>();
        RuntimeHealth h = health;
        List<String> problems = h == null ? List.of() : h.problems();
        conditions.put("OutriggerReady", problems.isEmpty()
                ? new NodeSync.Condition(true, "Healthy", "every bundle active, every component up")
                : new NodeSync.Condition(false, "Unhealthy", problems.stream().limit(3).collect(Collectors.joining("; "))
                        + (problems.size() > 3 ? " (and " + (problems.size() - 3) + " more: outrigger-shell health)" : "")));
        if (settings.registerNode()) {
            // no kubelet reports Ready for this node: the gateway does, and the Lease keeps it true
            conditions.put("Ready", new NodeSync.Condition(true, "OutriggerReady", "Outrigger gateway running"));
        }
        boolean serial = labels.containsKey(p + "serial");
        conditions.put("SerialDevicesPresent", new NodeSync.Condition(serial, serial ? "DevicesPresent" : "NoDevices",
                resources.toString()));
        long live = radios.stream().filter(r -> r.state().equals("live")).count();
        conditions.put("MeshtasticLinkUp", new NodeSync.Condition(live > 0, live > 0 ? "SessionLive" : "NoLiveSession",
                live + " of " + radios.size() + " radio(s) live"));
        long fixed = positions.stream().filter(s -> s.mode() >= 2).count();
        conditions.put("GpsFix", new NodeSync.Condition(fixed > 0, fixed > 0 ? "Fix" : positions.isEmpty() ? "NoReceiver" : "NoFix",
                fixed + " of " + positions.size() + " receiver(s) with a fix"));
        Messaging m = messaging;
        boolean mqtt = m != null && m.isConnected();
        conditions.put("MqttConnected", new NodeSync.Condition(mqtt, mqtt ? "Connected" : m == null ? "NotInstalled" : "Disconnected", ""));
        if (b != null) {
            boardConditions(b.sensors(), conditions);
        }
        return new NodeSync.Wanted(labels, resources, conditions, settings.registerNode() ? nodeAddress : null);
    }

    /** A label for each port a bridge listens on with its device present: {@code outrigger.dev/bridge-6638=true}. */
    private Map<String, String> podLabels() {
        Map<String, String> labels = new TreeMap<>();
        bridges.forEach(b -> labels.put(settings.prefix() + "/bridge-" + b.port(), "true"));
        return labels;
    }

    /** Node mode: the bridges others can reach, by port. */
    private List<BridgeEndpoints.Offer> offers() {
        return bridges.stream().map(b -> new BridgeEndpoints.Offer(b.port(), BridgeEndpoints.reachableAt(b.address(), nodeAddress)))
                .filter(o -> o.address() != null).sorted(Comparator.comparingInt(BridgeEndpoints.Offer::port)).toList();
    }

    /**
     * Power and heat, where the board tells them. Messages that do not follow every degree: a
     * changed condition is reported at once, and must not be at every look.
     */
    private static void boardConditions(BoardSensors sensors, Map<String, NodeSync.Condition> conditions) {
        sensors.underVoltage().ifPresent(under -> conditions.put("SupplyVoltageNormal", under
                ? new NodeSync.Condition(false, "UnderVoltage", "the power supply cannot keep up with the load: USB radios and "
                        + "sticks may reset, the SD card may be corrupted")
                : new NodeSync.Condition(true, "VoltageNormal", "")));
        if (!sensors.temperatures().isEmpty()) {
            String limit = String.format(Locale.ROOT, "%.1f °C (overheatCelsius)", sensors.overheatCelsius());
            conditions.put("TemperatureNormal", sensors.overheating()
                    ? new NodeSync.Condition(false, "Overheating", "a thermal zone reached " + limit + ": the board is throttled")
                    : new NodeSync.Condition(true, "BelowLimit", "every thermal zone below " + limit));
        }
    }

    /** Each device present and not ignored, by its id, as people know it: for the Node's events. */
    private Map<String, String> presentDevices() {
        Map<String, String> present = new TreeMap<>();
        for (SerialDevice d : devices) {
            if (d.role() != Role.IGNORE) {
                String what = d.usb().map(u -> (u.product().isEmpty() ? "USB serial device" : u.product()) + " (" + u.ids()
                        + (u.serial().isEmpty() ? "" : ", serial " + u.serial()) + ")").orElse("serial port " + d.name());
                present.put(d.id(), what + " at " + d.path() + ", role " + d.role().key());
            }
        }
        return present;
    }

    /** A label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
    static String labelValue(String text) {
        String v = text.trim().replaceAll("[^A-Za-z0-9._-]+", "_");
        v = v.length() > 63 ? v.substring(0, 63) : v;
        return v.replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
    }

    /** fabric8 finds its model classes and services by name: through this bundle's class loader. */
    private static <T> T withBundleLoader(Supplier<T> call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(KubeKeeper.class.getClassLoader());
        try {
            return call.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static String first(String configured, String environment, Supplier<String> fallback) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        return environment != null && !environment.isBlank() ? environment.trim() : fallback.get();
    }

    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "aarch64" -> "arm64";
            case "x86_64" -> "amd64";
            default -> arch;
        };
    }

    /**
     * Node mode: the address the gateway has now, said when it changed (the gateway moved to
     * another network), which the next report puts on its Node and in the Services of its bridges.
     */
    private void followAddress() {
        String now = GatewayAddress.toward(apiHost, apiPort);
        if (nodeAddress != null && !now.equals(nodeAddress)) {
            LOG.info("Kubernetes: Node {} is at {} now (was {}): on its Node and in the Services of its bridges", nodeName,
                    now, nodeAddress);
        }
        nodeAddress = now;
    }

    private static String version() {
        org.osgi.framework.Bundle bundle = org.osgi.framework.FrameworkUtil.getBundle(KubeKeeper.class);
        return bundle == null ? "dev" : bundle.getVersion().toString();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "localhost";
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setBoard(Board b) {
        board = b;
    }

    void unsetBoard(Board b) {
        if (board == b) {
            board = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void setMessaging(Messaging m) {
        messaging = m;
    }

    void unsetMessaging(Messaging m) {
        if (messaging == m) {
            messaging = null;
        }
    }
}
