package dev.outrigger.meshtastic;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.json.Json;
import dev.outrigger.framework.logging.OncePerMinute;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.mesh.MeshRadio;
import dev.outrigger.mesh.MeshRadio.MeshNode;
import dev.outrigger.messaging.Message;
import dev.outrigger.messaging.Messaging;
import dev.outrigger.position.PositionSource;

/**
 * The mesh in Home Assistant, by its MQTT discovery: the gateway a device with its connectivity and,
 * for each GPS receiver, a tracker that puts the gateway on the map; each node heard a device with
 * sensors (battery, voltage, SNR, RSSI, hops, last heard) read from its retained state
 * ({@code mesh/<!id>/node}) and a tracker that puts it on the map; all available while the gateway
 * is online. Announced (retained) when a node is first heard or changes its name,
 * and all again when Home Assistant says it started. A node not heard for {@code forgetDays} is taken
 * out of Home Assistant (its discovery messages cleared) until it is heard again: a public mesh has
 * many passers-by. On while its configuration exists.
 */
@Component(configurationPid = HomeAssistantDiscovery.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = HomeAssistantDiscovery.Config.class)
public class HomeAssistantDiscovery {

    static final String PID = "dev.outrigger.meshtastic.homeassistant";

    @ObjectClassDefinition(name = "Outrigger Meshtastic nodes in Home Assistant",
            description = "Announces the gateway and every node heard to Home Assistant's MQTT discovery")
    public @interface Config {
        @AttributeDefinition(description = "Home Assistant's discovery prefix (its MQTT integration's setting)")
        String prefix() default "homeassistant";

        @AttributeDefinition(min = "1", max = "3600", description = "How often nodes heard since are looked for, in seconds")
        int scanSeconds() default 30;

        @AttributeDefinition(required = false, description = "Only these nodes, by id (e.g. !a1b2c3d4): on a large public "
                + "mesh, the ones you care about. Empty: every node heard")
        String[] nodes() default {};

        @AttributeDefinition(min = "0", max = "3650", description = "A node not heard for this many days is taken out of "
                + "Home Assistant until it is heard again; 0: never")
        int forgetDays() default 7;
    }

    private static final Logger LOG = LoggerFactory.getLogger(HomeAssistantDiscovery.class);
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*");
    /** Among the nodes announced, the gateway itself: no node number is negative. */
    private static final long GATEWAY = -1;

    /** One entity of a node: Home Assistant's component and the node's object id under this gateway. */
    private record Entity(String component, String object) {
    }

    /** A sensor read from the node's state: its key there, name, and Home Assistant's class and unit. */
    private record Sensor(String key, String name, String deviceClass, String unit) {
    }

    private static final List<Sensor> SENSORS = List.of(new Sensor("battery_level", "Battery", "battery", "%"),
            new Sensor("voltage", "Voltage", "voltage", "V"), new Sensor("snr", "SNR", "signal_strength", "dB"),
            new Sensor("rssi", "RSSI", "signal_strength", "dBm"), new Sensor("hops_away", "Hops away", null, null));

    private final Messaging messaging;
    private final List<MeshRadio> radios;
    private final String prefix;
    /** Empty: every node. */
    private final Set<Long> only = new HashSet<>();
    /** Home Assistant's ids for this gateway: its id with what discovery topics cannot carry replaced. */
    private final String gateway;
    /** The gateway's GPS receivers: a tracker each, on the map where the receiver's fix says. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    final List<PositionSource> positions = new CopyOnWriteArrayList<>();
    /** The GPS receivers whose tracker was announced, by device id. */
    private final Set<String> trackers = ConcurrentHashMap.newKeySet();
    /** What was announced of each node (its name and hardware), by node number. */
    private final Map<Long, String> announced = new ConcurrentHashMap<>();
    /** Nodes taken out of Home Assistant, with when they were last heard then (seconds since the epoch). */
    private final Map<Long, Long> forgotten = new ConcurrentHashMap<>();
    private final long forgetSeconds;
    private final LongSupplier clock;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, Daemons.named("outrigger-homeassistant"));
    private final AutoCloseable birth;
    private final OncePerMinute failing = new OncePerMinute();

    @Activate
    public HomeAssistantDiscovery(Config config, @Reference Messaging messaging,
            @Reference(policyOption = ReferencePolicyOption.GREEDY) List<MeshRadio> radios) {
        this(config, messaging, radios, () -> System.currentTimeMillis() / 1000);
    }

    /** With a clock in seconds since the epoch, which tests set. */
    HomeAssistantDiscovery(Config config, Messaging messaging, List<MeshRadio> radios, LongSupplier clock) {
        this.messaging = messaging;
        this.radios = radios;
        this.clock = clock;
        this.forgetSeconds = TimeUnit.DAYS.toSeconds(config.forgetDays());
        this.prefix = config.prefix().trim();
        this.gateway = "outrigger_" + messaging.gatewayId().replaceAll("[^A-Za-z0-9_-]", "_");
        try {
            for (String id : config.nodes()) {
                Radio.destination(id.trim()).ifPresent(only::add);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("Home Assistant: nodes: {}; nothing is announced", e.getMessage());
            birth = () -> { };
            return;
        }
        if (!PREFIX.matcher(prefix).matches()) {
            LOG.warn("Home Assistant: prefix = {} is no topic (letters, digits, _ and - between slashes); nothing is announced",
                    config.prefix());
            birth = () -> { };
            return;
        }
        // Home Assistant (re)started: it forgot what was not retained, and asks for all again
        birth = messaging.subscribe(prefix + "/status", 1, m -> {
            if ("online".equals(new String(m.payload(), StandardCharsets.UTF_8).trim())) {
                timer.execute(() -> {
                    announced.clear();
                    trackers.clear();
                    announce();
                });
            }
        });
        timer.scheduleWithFixedDelay(this::announce, 0, config.scanSeconds(), TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() throws Exception {
        birth.close();
        timer.shutdownNow();
    }

    /** Scheduled: what fails is said (once a minute at most) and tried again at the next scan. */
    private void announce() {
        try {
            announceNew();
        } catch (RuntimeException e) {
            failing.occurred(n -> LOG.warn("Home Assistant: announcing failed{}: {}", n > 1 ? " (" + n + " times)" : "", e.toString()));
        }
    }

    private void announceNew() {
        if (!messaging.isConnected()) {
            return;
        }
        if (announced.putIfAbsent(GATEWAY, "") == null) {
            publish(config(new Entity("binary_sensor", "status"), gatewayDevice(), Map.of("name", "Connectivity",
                    "state_topic", messaging.topic("status"), "value_template", "{{ value_json.state }}", "payload_on", "online",
                    "payload_off", "offline", "device_class", "connectivity")), () -> announced.remove(GATEWAY));
        }
        for (PositionSource source : positions) {
            if (trackers.add(source.device())) {
                announce(source);
            }
        }
        long now = clock.getAsLong();
        for (MeshRadio radio : radios) {
            for (MeshNode node : radio.nodes()) {
                if (!only.isEmpty() && !only.contains(node.num())) {
                    continue;
                }
                if (gone(node, now)) {
                    forget(node);
                    continue;
                }
                forgotten.remove(node.num());
                String what = node.longName() + "|" + node.hardware();
                if (!what.equals(announced.put(node.num(), what))) {
                    announce(node);
                }
            }
        }
    }

    /** Not heard for {@code forgetDays}; a node never heard (the radio's database says 0) is not. */
    private boolean gone(MeshNode node, long now) {
        return forgetSeconds > 0 && node.lastHeard() > 0 && now - node.lastHeard() > forgetSeconds;
    }

    /**
     * Clears the node's discovery messages, which takes it out of Home Assistant: once for each
     * time it was last heard, and once after a restart, since what was retained before is not known.
     */
    private void forget(MeshNode node) {
        if (Long.valueOf(node.lastHeard()).equals(forgotten.put(node.num(), node.lastHeard()))) {
            return;
        }
        boolean wasAnnounced = announced.remove(node.num()) != null;
        for (Entity entity : entities(node).keySet()) {
            Message clear = new Message(topic(entity), new byte[0], 1, true, Optional.empty(), Optional.empty());
            publish(clear, () -> forgotten.remove(node.num()));
        }
        if (wasAnnounced) {
            LOG.info("Home Assistant: {} {} not heard for {} day(s): taken out until heard again", node.id(), node.longName(),
                    (clock.getAsLong() - node.lastHeard()) / TimeUnit.DAYS.toSeconds(1));
        }
    }

    /** The gateway on the map: the latitude and longitude of the receiver's retained fix, while it has one. */
    private void announce(PositionSource source) {
        Map<String, Object> tracker = new LinkedHashMap<>();
        tracker.put("name", "Position");
        tracker.put("json_attributes_topic", messaging.topic(source.topic()));
        tracker.put("json_attributes_template", "{{ {'latitude': value_json.lat, 'longitude': value_json.lon} | tojson"
                + " if value_json.lat is defined else '{}' }}");
        tracker.put("source_type", "gps");
        tracker.put("availability", availability());
        Entity entity = new Entity("device_tracker", "gps_" + source.device().replaceAll("[^A-Za-z0-9_-]", "_"));
        publish(config(entity, gatewayDevice(), tracker), () -> trackers.remove(source.device()));
    }

    private void announce(MeshNode node) {
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("identifiers", List.of(gateway + "_" + node.id().substring(1)));
        device.put("name", node.longName().isEmpty() ? node.id() : node.longName());
        device.put("manufacturer", "Meshtastic");
        if (!node.hardware().isEmpty()) {
            device.put("model", node.hardware());
        }
        device.put("via_device", gateway);
        entities(node).forEach((entity, settings) -> publish(config(entity, device, settings), () -> announced.remove(node.num())));
    }

    /** Every entity of a node, with its settings: a sensor each, last heard, and a tracker. */
    private Map<Entity, Map<String, Object>> entities(MeshNode node) {
        String hex = node.id().substring(1);
        String state = messaging.topic("mesh/" + node.id() + "/node");
        List<Map<String, Object>> availability = availability();
        Map<Entity, Map<String, Object>> entities = new LinkedHashMap<>();
        for (Sensor sensor : SENSORS) {
            Map<String, Object> entity = new LinkedHashMap<>();
            entity.put("name", sensor.name());
            entity.put("state_topic", state);
            // a key not heard yet renders empty, which Home Assistant leaves as it is
            entity.put("value_template", "{{ value_json." + sensor.key() + " if value_json." + sensor.key() + " is defined else '' }}");
            if (sensor.deviceClass() != null) {
                entity.put("device_class", sensor.deviceClass());
                entity.put("unit_of_measurement", sensor.unit());
            }
            entity.put("state_class", "measurement");
            entity.put("availability", availability);
            entities.put(new Entity("sensor", hex + "_" + sensor.key()), entity);
        }
        Map<String, Object> heard = new LinkedHashMap<>();
        heard.put("name", "Last heard");
        heard.put("state_topic", state);
        heard.put("value_template", "{{ value_json.last_heard | timestamp_custom('%Y-%m-%dT%H:%M:%S+00:00', false)"
                + " if value_json.last_heard is defined else '' }}");
        heard.put("device_class", "timestamp");
        heard.put("availability", availability);
        entities.put(new Entity("sensor", hex + "_last_heard"), heard);
        // on the map: its state's latitude and longitude
        Map<String, Object> tracker = new LinkedHashMap<>();
        tracker.put("name", null);
        tracker.put("json_attributes_topic", state);
        tracker.put("source_type", "gps");
        tracker.put("availability", availability);
        entities.put(new Entity("device_tracker", hex), tracker);
        return entities;
    }

    /** Available while the gateway is online. */
    private List<Map<String, Object>> availability() {
        return List.of(Map.of("topic", messaging.topic("status"), "value_template", "{{ value_json.state }}"));
    }

    private Map<String, Object> gatewayDevice() {
        Map<String, Object> device = new LinkedHashMap<>();
        device.put("identifiers", List.of(gateway));
        device.put("name", "Outrigger " + messaging.gatewayId());
        device.put("manufacturer", "Outrigger");
        device.put("model", "edge gateway");
        return device;
    }

    /** A discovery message: the entity's settings with its unique id, device and origin. */
    private Message config(Entity entity, Map<String, Object> device, Map<String, Object> settings) {
        Map<String, Object> body = new LinkedHashMap<>(settings);
        body.put("unique_id", gateway + "_" + entity.object());
        body.put("device", device);
        body.put("origin", Map.of("name", "Outrigger"));
        return new Message(topic(entity), Json.bytes(body), 1, true, Optional.empty(), Optional.empty());
    }

    private String topic(Entity entity) {
        return prefix + "/" + entity.component() + "/" + gateway + "/" + entity.object() + "/config";
    }

    /** Retained; what the broker did not take is tried again at the next scan, as {@code undo} arranges. */
    private void publish(Message message, Runnable undo) {
        messaging.publish(message).whenComplete((ok, failed) -> {
            if (failed != null) {
                undo.run();
                LOG.debug("Home Assistant: {} not sent: {}", message.topic(), failed.getMessage());
            }
        });
    }
}
