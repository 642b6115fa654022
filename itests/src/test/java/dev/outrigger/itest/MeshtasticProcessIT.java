package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.json.Json;

/**
 * A Meshtastic radio in a real runtime process: the simulated radio over TCP all the way to a real
 * broker, over a pseudo-terminal as a serial radio (log text included) through an unplug, and the
 * bundle updated under traffic.
 */
public class MeshtasticProcessIT {

    private static final String SELF = "!5a1a0001";

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private GatewayProcess gateway;
    private GatewayProcess radio;
    private Mosquitto broker;
    private final Subscriptions subscriptions = new Subscriptions();
    private PtyPair pty;

    @Before
    public void copyDistribution() throws Exception {
        gateway = folder.gateway("outrigger");
    }

    @After
    public void stop() throws Exception {
        subscriptions.close();
        if (radio != null) {
            radio.close();
        }
        if (pty != null) {
            pty.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** The simulator on a free port (and a pty, if given) and a radio at the given address. */
    private void configure(String features, int port, String pty, String address) throws Exception {
        Path etc = gateway.home.resolve("etc");
        Files.writeString(etc.resolve("dev.outrigger.feature.cfg"), "install = " + features + "\n");
        Files.writeString(etc.resolve("dev.outrigger.simulator.cfg"),
                "bind = 127.0.0.1\nport = " + port + "\nintervalSeconds = 0.2\n" + (pty.isEmpty() ? "" : "pty = " + pty + "\n"));
        Files.writeString(etc.resolve("dev.outrigger.meshtastic-simulated.cfg"),
                "address = " + address + "\nreconnectMinMillis = 200\nreconnectMaxMillis = 1000\nhandshakeSeconds = 5\n");
    }

    private void awaitLive(String what) throws Exception {
        Await.until(what, Duration.ofSeconds(20), () -> gateway.shell("mesh:info").output().contains("(live)"));
    }

    @Test
    public void simulatedRadioOverTcpAllTheWayToTheBrokerAndBack() throws Exception {
        broker = new Mosquitto(folder.newFolder("broker").toPath(), "").start();
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"), "broker = " + broker.uri()
                + "\nroot = it\ngatewayId = gw\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n");
        int port = Ports.free();
        configure("mqtt,meshtastic,simulator,gps", port, "", "127.0.0.1:" + port);
        FakeSysfs tree = new FakeSysfs(folder.newFolder("host").toPath());
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.discovery.cfg"), "sysfs = " + tree.sys + "\ndev = " + tree.dev
                + "\nproc = " + folder.getRoot() + "/proc\n");
        tree.thermalZone(0, "cpu-thermal", 48);
        tree.underVoltageAlarm(false);
        // only the three simulated nodes, not the radio's own (an id without its ! is taken too)
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.meshtastic.homeassistant.cfg"),
                "scanSeconds = 1\nnodes = !5a1a0002, !5a1a0003, 5a1a0004\n");
        Queue<String> discovery = subscriptions.subscribe(broker.uri(), "homeassistant/#");
        Queue<String> records = subscriptions.subscribe(broker.uri(), "it/gw/mesh/#");
        Queue<String> status = subscriptions.subscribe(broker.uri(), "it/gw/status");
        Queue<String> fixes = subscriptions.subscribe(broker.uri(), "it/gw/gps/#");
        gateway.enableHealthEndpoint();
        // a node set up in Turkish ("LIVE".toLowerCase() is "lıve" there) with Arabic digits, as in Arabic
        // and Persian locales (String.format("%d", 17) is "١٧"): neither may reach a protocol, a file or Felix
        gateway.environment.put("OUTRIGGER_OPTS", "-Duser.language=tr -Duser.country=TR -Duser.extensions=u-nu-arab");
        gateway.start();
        awaitLive("the radio live over TCP");

        Await.until("positions, telemetry and text from every simulated node", Duration.ofSeconds(30), () -> {
            List<Map<String, Object>> packets = records.stream().map(r -> Json.object(r.getBytes(StandardCharsets.UTF_8)))
                    .filter(r -> r.containsKey("type")).toList();
            return packets.stream().map(r -> r.get("type")).distinct().count() >= 3
                    && packets.stream().map(r -> r.get("from")).distinct().count() >= 3;
        });
        // whom the camper van hears: only the garage, as the firmware's JSON writes neighbours
        Map<String, Object> neighbours = Await.value("the camper van's neighbours", Duration.ofSeconds(30), () -> records.stream()
                .map(r -> Json.object(r.getBytes(StandardCharsets.UTF_8)))
                .filter(r -> "neighborinfo".equals(r.get("type")) && Long.valueOf(0x5a1a0004L).equals(r.get("from")))
                .findFirst().orElse(null));
        Map<?, ?> heard = (Map<?, ?>) neighbours.get("payload");
        assertEquals(neighbours.toString(), 1L, heard.get("neighbors_count"));
        assertEquals(neighbours.toString(), 0x5a1a0003L, ((Map<?, ?>) ((List<?>) heard.get("neighbors")).get(0)).get("node_id"));

        // Home Assistant's discovery: the gateway, and each node with sensors on its state and a tracker
        Map<String, Object> battery = Await.value("the garage's battery announced to Home Assistant", Duration.ofSeconds(20),
                () -> announced(discovery, "outrigger_gw_5a1a0003_battery_level"));
        assertEquals(battery.toString(), "it/gw/mesh/!5a1a0003/node", battery.get("state_topic"));
        assertEquals(battery.toString(), "battery", battery.get("device_class"));
        Map<?, ?> device = (Map<?, ?>) battery.get("device");
        assertEquals(battery.toString(), "Garage", device.get("name"));
        assertEquals(battery.toString(), "outrigger_gw", device.get("via_device"));
        assertEquals(battery.toString(), "it/gw/status", ((Map<?, ?>) ((List<?>) battery.get("availability")).get(0)).get("topic"));
        Map<String, Object> tracker = announced(discovery, "outrigger_gw_5a1a0004");
        assertEquals(String.valueOf(tracker), "it/gw/mesh/!5a1a0004/node", tracker.get("json_attributes_topic"));
        Map<String, Object> gatewayOnline = announced(discovery, "outrigger_gw_status");
        assertEquals(String.valueOf(gatewayOnline), "connectivity", gatewayOnline.get("device_class"));
        // Home Assistant restarted: everything again
        discovery.clear();
        Process birth = new ProcessBuilder("mosquitto_pub", "-p", String.valueOf(broker.port), "-t", "homeassistant/status",
                "-m", "online").start();
        assertEquals(0, birth.waitFor());
        Await.until("announced again", Duration.ofSeconds(10), () -> announced(discovery, "outrigger_gw_5a1a0002_snr") != null);
        assertEquals("only the nodes named", null, announced(discovery, "outrigger_gw_5a1a0001_snr"));

        // each node's state as the node table has it, retained for whoever subscribes later
        Queue<String> states = subscriptions.subscribe(broker.uri(), "it/gw/mesh/!5a1a0003/node");
        Map<String, Object> garage = Await.value("the garage's state, retained", Duration.ofSeconds(10),
                () -> states.isEmpty() ? null : Json.object(states.peek().getBytes(StandardCharsets.UTF_8)));
        assertEquals(garage.toString(), "Garage", garage.get("long_name"));
        assertEquals(garage.toString(), "ROUTER", garage.get("role"));
        assertEquals(garage.toString(), SELF, garage.get("sender"));
        assertTrue(garage.toString(), garage.containsKey("latitude") && garage.containsKey("last_heard"));
        // what Home Assistant shows of it: each sensor's template, rendered by Jinja2 on that state
        for (String key : List.of("battery_level", "voltage", "snr", "rssi", "hops_away", "last_heard")) {
            Map<String, Object> sensor = Await.value("the garage's " + key + " announced again", Duration.ofSeconds(10),
                    () -> announced(discovery, "outrigger_gw_5a1a0003_" + key));
            Object value = garage.get(key);
            String shown = value == null ? "" : key.equals("last_heard")
                    ? Instant.ofEpochSecond(((Number) value).longValue()).toString().replace("Z", "+00:00") : String.valueOf(value);
            assertEquals(key, shown, HomeAssistantTemplates.render(sensor.get("value_template"), states.peek()));
        }
        Map<String, Object> position = records.stream().map(r -> Json.object(r.getBytes(StandardCharsets.UTF_8)))
                .filter(r -> "position".equals(r.get("type"))).findFirst().orElseThrow();
        assertEquals("the firmware's JSON: the receiving radio is the sender", SELF, position.get("sender"));
        Map<?, ?> payload = (Map<?, ?>) position.get("payload");
        assertTrue(position.toString(), payload.containsKey("latitude_i") && payload.containsKey("longitude_i"));
        assertTrue(position.toString(), position.keySet().containsAll(List.of("id", "timestamp", "from", "to", "channel",
                "rssi", "snr", "hops_away", "hop_start")));

        Await.until("the radio's session and the runtime in the retained status' health", Duration.ofSeconds(20),
                () -> status.stream().anyMatch(m -> m.contains("\"mesh\":{\"127.0.0.1:" + port + "\":\"live\"}")
                        && m.contains("\"runtime\":\"ok\"")));
        // the supply sagging is news for the fleet: the status says so
        Await.until("the board's power and heat in the health", Duration.ofSeconds(10),
                () -> status.stream().anyMatch(m -> m.contains("\"power\":\"ok\",\"temperature\":\"ok\"")));
        tree.underVoltageAlarm(true);
        Await.until("under-voltage in the retained status' health", Duration.ofSeconds(10),
                () -> status.stream().anyMatch(m -> m.contains("\"power\":\"under-voltage\"")));

        // a GPS receiver plugged in: its fixes reach the broker, and the health says it has one
        pty = new PtyPair(folder.newFolder("pty").toPath());
        try (TalkingGps gps = new TalkingGps(pty.peer)) {
            tree.wire("ttyACM0", pty.device);
            tree.plugCdcAcm("ttyACM0", "1-1.3", "1546", "01a8", "u-blox AG - www.u-blox.com", "u-blox GNSS receiver", "");
            Await.until("a fix at the broker", Duration.ofSeconds(20),
                    () -> fixes.stream().anyMatch(f -> f.contains("\"mode\":3") && f.contains("\"lat\":48.1173")));
            // in Home Assistant, the gateway on the map where the receiver says
            Map<String, Object> onTheMap = Await.value("the gateway's position announced to Home Assistant", Duration.ofSeconds(20),
                    () -> announced(discovery, "outrigger_gw_gps_usb-u-blox_AG_-_www_u-blox_com_u-blox_GNSS_receiver-if00"));
            assertEquals(onTheMap.toString(), "it/gw/gps/usb-u-blox_AG_-_www.u-blox.com_u-blox_GNSS_receiver-if00",
                    onTheMap.get("json_attributes_topic"));
            String fix = fixes.stream().filter(f -> f.contains("\"lat\":48.1173")).findFirst().orElseThrow();
            Map<String, Object> where = Json.object(HomeAssistantTemplates.render(onTheMap.get("json_attributes_template"), fix)
                    .getBytes(StandardCharsets.UTF_8));
            assertEquals(Map.of("latitude", Json.object(fix.getBytes(StandardCharsets.UTF_8)).get("lat"),
                    "longitude", Json.object(fix.getBytes(StandardCharsets.UTF_8)).get("lon")), where);
            Await.until("the fix in the retained status' health", Duration.ofSeconds(20), () -> status.stream()
                    .anyMatch(m -> m.contains("\"gps\":{\"usb-u-blox_AG_-_www.u-blox.com_u-blox_GNSS_receiver-if00\":\"fix3d\"}")));

            // each bundle's figures in /metrics: the receiver, the radio, the uplink
            int delivered = records.size() + fixes.size();
            Map<String, Double> metrics = Await.value("what reached the broker, acknowledged", Duration.ofSeconds(10), () -> {
                Map<String, Double> scraped = gateway.metrics();
                return scraped.getOrDefault("outrigger_mqtt_published_total", 0.0) >= delivered ? scraped : null;
            });
            String receiver = "{device=\"usb-u-blox_AG_-_www.u-blox.com_u-blox_GNSS_receiver-if00\"}";
            assertEquals(metrics.toString(), 3.0, metrics.get("outrigger_gps_fix_mode" + receiver), 0);
            assertTrue(metrics.toString(), metrics.get("outrigger_gps_sentences_total" + receiver) >= 2);
            assertTrue(metrics.toString(), metrics.get("outrigger_gps_fixes_total" + receiver) >= 1);
            String radio = "{radio=\"127.0.0.1:" + port + "\"}";
            assertEquals(metrics.toString(), 1.0, metrics.get("outrigger_mesh_sessions_total" + radio), 0);
            assertTrue(metrics.toString(), metrics.get("outrigger_mesh_packets_total" + radio) >= 3);
            assertTrue(metrics.toString(), metrics.get("outrigger_mesh_nodes" + radio) >= 3);
            assertEquals(metrics.toString(), 0.045, metrics.get("outrigger_mesh_channel_utilization_ratio" + radio), 0);
            assertEquals(metrics.toString(), 0.008, metrics.get("outrigger_mesh_air_util_tx_ratio" + radio), 0);
            assertEquals(metrics.toString(), 0.0, metrics.get("outrigger_mqtt_connections_lost_total"), 0);
        }

        String nodes = gateway.shell("mesh:nodes").output();
        assertTrue(nodes, nodes.contains("Shed") && nodes.contains("Garage") && nodes.contains("Camper van"));
        assertTrue("all heard within the hour", gateway.shell("mesh:nodes --since 1h").output().contains("Camper van"));
        GatewayProcess.Result since = gateway.shell("mesh:nodes --since yesterday");
        assertEquals(since.output(), 1, since.status());
        assertTrue(since.output(), since.output().contains("yesterday is no duration"));
        assertTrue(nodes, nodes.lines().anyMatch(l -> l.startsWith("!5a1a0003  Garage") && l.contains(" ROUTER ")));
        String info = gateway.shell("mesh:info").output();
        assertTrue(info, info.contains("2.5.0-simulated") && info.contains("EU_868") && info.contains("LongFast"));
        assertTrue(info, info.contains("airtime     channel 4.5 % busy, own transmissions 0.8 % of the last hour"));

        GatewayProcess.Result sent = gateway.shell("mesh:send --to !5a1a0002 ahoy shed");
        assertEquals(sent.output(), 0, sent.status());
        assertTrue(sent.output(), sent.output().contains("acked"));
        GatewayProcess.Result unknown = gateway.shell("mesh:send --to !0badf00d anyone there");
        assertEquals(1, unknown.status());
        assertTrue(unknown.output(), unknown.output().matches(
                "error: packet \\d+ failed: NO_ROUTE \\(the mesh knows no route to that node\\)\\R"));
        // nothing goes out by mistake: not an empty text, not to everyone when a node was meant
        GatewayProcess.Result empty = gateway.shell("mesh:send");
        assertEquals(empty.output(), 1, empty.status());
        assertTrue(empty.output(), empty.output().contains("no text to send"));
        GatewayProcess.Result misaddressed = gateway.shell("mesh:send --to shed ahoy");
        assertEquals(misaddressed.output(), 1, misaddressed.status());
        assertTrue(misaddressed.output(), misaddressed.output().contains("shed is not a node id"));
        // a channel by its name, as people know it
        GatewayProcess.Result named = gateway.shell("mesh:send --channel longfast hello by name");
        assertTrue(named.output(), named.output().contains("implicitly acked"));
        GatewayProcess.Result noSuchChannel = gateway.shell("mesh:send --channel Family hello");
        assertEquals(noSuchChannel.output(), 1, noSuchChannel.status());
        assertTrue(noSuchChannel.output(), noSuchChannel.output().contains("the radio has no channel Family; its channels: 0 LongFast"));

        // a traceroute over MQTT: the camper van is out of direct reach, the garage (a router) relays
        // both ways; the answer is recorded too, with the hops named as the firmware names them
        Map<String, Object> route = Json.object(request("mesh/traceroute", "{\"to\": \"!5a1a0004\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(route.toString(), "answered", route.get("outcome"));
        assertEquals(route.toString(), List.of("!5a1a0001", "!5a1a0003", "!5a1a0004"),
                ((List<?>) route.get("towards")).stream().map(h -> ((Map<?, ?>) h).get("id")).toList());
        assertEquals(route.toString(), "Garage", ((Map<?, ?>) ((List<?>) route.get("back")).get(1)).get("name"));
        Map<String, Object> traced = Await.value("the traceroute's answer recorded", Duration.ofSeconds(10), () -> records.stream()
                .map(r -> Json.object(r.getBytes(StandardCharsets.UTF_8))).filter(r -> "traceroute".equals(r.get("type")))
                .findFirst().orElse(null));
        assertEquals(traced.toString(), List.of("Simulated (not real)", "Garage", "Camper van"), ((Map<?, ?>) traced.get("payload")).get("route"));
        assertEquals(traced.toString(), List.of("!5a1a0004", "!5a1a0003", "!5a1a0001"), ((Map<?, ?>) traced.get("payload")).get("route_back_ids"));
        // a second one at once: the radio refuses it (the firmware allows one every 30 s), in its own words
        GatewayProcess.Result again = gateway.shell("mesh:traceroute !5a1a0002");
        assertEquals(again.output(), 1, again.status());
        assertTrue(again.output(), again.output().contains("traceroute to !5a1a0002 failed: TraceRoute can only be sent once every 30 seconds"));

        // the same over MQTT, with an MQTT 5 response topic
        String reply = request("mesh/send", "{\"text\": \"hello mesh\"}");
        assertTrue(reply, reply.contains("\"outcome\":\"implicitly_acked\""));
        reply = request("mesh/send", "{\"text\": \"for the shed only\", \"to\": 1511653378}");
        assertTrue(reply, reply.contains("\"outcome\":\"failed\"") && reply.contains("node id in quotes"));
        reply = request("mesh/send", "{\"text\": \"on the second channel\", \"channel\": 1}");
        assertTrue(reply, reply.contains("\"outcome\":\"implicitly_acked\""));
        reply = request("mesh/send", "{\"text\": \"on the primary channel, by name\", \"channel\": \"LongFast\"}");
        assertTrue(reply, reply.contains("\"outcome\":\"implicitly_acked\""));
        reply = request("mesh/send", "{\"text\": \"nowhere\", \"channel\": 9}");
        assertTrue(reply, reply.contains("\"outcome\":\"failed\"") && reply.contains("channels 0 to 7"));
    }

    /** The Home Assistant discovery message with this unique id, or null. */
    private static Map<String, Object> announced(Queue<String> discovery, String uniqueId) {
        // homeassistant/status, Home Assistant's own, is plain text
        return discovery.stream().filter(m -> m.startsWith("{")).map(m -> Json.object(m.getBytes(StandardCharsets.UTF_8)))
                .filter(m -> uniqueId.equals(m.get("unique_id"))).findFirst().orElse(null);
    }

    /** The reply to a request on one of the gateway's topics, by Debian's MQTT 5 request/response client. */
    private String request(String topic, String request) throws Exception {
        Process rr = new ProcessBuilder("mosquitto_rr", "-p", String.valueOf(broker.port), "-t", "it/gw/" + topic,
                "-e", "it/test/sent", "-m", request, "-W", "15").redirectErrorStream(true).start();
        String reply = new String(rr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rr.waitFor(20, TimeUnit.SECONDS));
        return reply;
    }

    @Test
    public void serialRadioOnAPtyThroughLogTextAndAnUnplug() throws Exception {
        Path ptys = folder.newFolder("pty").toPath();
        pty = new PtyPair(ptys);
        configure("meshtastic,simulator", Ports.free(), pty.peer.toString(), pty.device.toString());
        gateway.enableHealthEndpoint();
        gateway.start();
        awaitLive("the serial radio live, despite its log text before the handshake");
        Await.until("packets recorded from the serial radio", Duration.ofSeconds(20),
                () -> gateway.shell("mesh:nodes").output().contains("Shed"));

        // a traceroute at the shell: the camper van is out of direct reach, the garage (a router) relays both ways
        GatewayProcess.Result route = gateway.shell("mesh:traceroute !5a1a0004");
        assertEquals(route.output(), 0, route.status());
        String hop = " \\(-?[0-9]+\\.[0-9]{2} dB\\)";
        assertTrue(route.output(), Pattern.compile("^towards  !5a1a0001 Simulated \\(not real\\) --> !5a1a0003 Garage" + hop
                + " --> !5a1a0004 Camper van" + hop + "$", Pattern.MULTILINE).matcher(route.output()).find());
        assertTrue(route.output(), Pattern.compile("^back     !5a1a0004 Camper van --> !5a1a0003 Garage" + hop
                + " --> !5a1a0001 Simulated \\(not real\\)" + hop + "$", Pattern.MULTILINE).matcher(route.output()).find());

        pty.close(); // unplugged
        Await.until("the session ended", Duration.ofSeconds(10), () -> !gateway.shell("mesh:info").output().contains("(live)"));
        pty = new PtyPair(ptys); // plugged in again, same names
        awaitLive("a new handshake after the radio came back");
        long recorded = recorded();
        Await.until("packets recorded again", Duration.ofSeconds(20), () -> recorded() > recorded);
        Map<String, Double> metrics = gateway.metrics();
        assertEquals("two sessions, one before and one after the unplug: " + metrics, 2.0,
                metrics.get("outrigger_mesh_sessions_total{radio=\"" + pty.device + "\"}"), 0);
    }

    /**
     * A hardened host's temporary folder (and home) mounted noexec: the serial port library loads
     * its native part from the framework's cache instead of writing it there first, so a radio on a
     * serial port still goes live. And again after each update of that library: the JVM loads a
     * native library into one class loader only, and the old revisions' loaders stay (jSerialComm's
     * shutdown hook holds them), so each revision needs a file of its own.
     */
    @Test
    public void aSerialRadioGoesLiveWhereTheTemporaryFolderIsNoexecAndAfterUpdatesOfTheSerialLibrary() throws Exception {
        Path tmp = folder.newFolder("tmp").toPath();
        try (Tmpfs noexec = Tmpfs.mount(tmp, "noexec,size=16m")) {
            pty = new PtyPair(folder.newFolder("pty").toPath());
            configure("meshtastic,simulator", Ports.free(), pty.peer.toString(), pty.device.toString());
            gateway.environment.put("OUTRIGGER_OPTS", "-Djava.io.tmpdir=" + tmp + " -Duser.home=" + tmp);
            gateway.start();
            awaitLive("the serial radio live");
            String library = gateway.bundleId("com.fazecast.jSerialComm.wrapped");
            for (int update = 1; update <= 3; update++) {
                assertEquals(0, gateway.shell("update " + library).status());
                GatewayProcess.Result refresh = gateway.shell("refresh");
                assertTrue(refresh.output(), refresh.output().contains("dev.outrigger.meshtastic"));
                awaitLive("the serial radio live after update " + update + " of the serial port library");
            }
            assertFalse("nothing unpacked into the temporary folder", Files.exists(tmp.resolve("jSerialComm")));
            assertFalse("the JVM had nothing to say about native libraries: " + gateway.log(),
                    gateway.log().contains("VM warning") || gateway.log().contains("UnsatisfiedLinkError"));
        }
    }

    /**
     * The serial port library's native part cannot load anywhere (the data folder noexec too): the
     * radio and the simulated one say why, once each, and keep trying; no thread ends on the error.
     */
    @Test
    public void aSerialPortLibraryThatCannotLoadIsSaidOnceAndNothingEndsOnIt() throws Exception {
        Path tmp = folder.newFolder("tmp").toPath();
        Path data = Files.createDirectories(gateway.home.resolve("data"));
        try (Tmpfs noexecTmp = Tmpfs.mount(tmp, "noexec,size=16m"); Tmpfs noexecData = Tmpfs.mount(data, "noexec,size=64m")) {
            pty = new PtyPair(folder.newFolder("pty").toPath());
            configure("meshtastic,simulator", Ports.free(), pty.peer.toString(), pty.device.toString());
            gateway.environment.put("OUTRIGGER_OPTS", "-Djava.io.tmpdir=" + tmp + " -Duser.home=" + tmp);
            gateway.start();
            String why = "the serial port library did not load its native part";
            Await.until("the radio and the simulated one saying why", Duration.ofSeconds(20), () -> gateway.log().contains(
                    "Meshtastic " + pty.device + ": cannot open " + pty.device + ": " + why)
                    && gateway.log().contains("Simulated radio: cannot open " + pty.peer + ": " + why));
            Await.until("the radio trying again", Duration.ofSeconds(20),
                    () -> gateway.shell("mesh:info").output().contains("backoff"));
            String log = gateway.log();
            assertEquals(log, 1, log.split(Pattern.quote("Meshtastic " + pty.device + ": cannot open"), -1).length - 1);
            assertEquals(log, 1, log.split(Pattern.quote("Simulated radio: cannot open"), -1).length - 1);
            assertFalse(log, log.contains("Exception in thread"));
            assertEquals("the rest runs on", 0, gateway.shell("outbox:stats").status());
        }
    }

    @Test
    public void theBundleUpdatedUnderTrafficComesBackLive() throws Exception {
        int port = Ports.free();
        configure("meshtastic,simulator", port, "", "127.0.0.1:" + port);
        gateway.start();
        awaitLive("the radio live");
        Await.until("packets recorded", Duration.ofSeconds(20), () -> recorded() >= 3);
        List<String> threads = meshThreads();
        assertFalse("the radio's session has threads of its own", threads.isEmpty());
        GatewayProcess.Result update = gateway.shell("update " + gateway.bundleId("dev.outrigger.meshtastic"));
        assertEquals(update.output(), 0, update.status());
        awaitLive("live again after the update");
        assertTrue(gateway.log(), gateway.log().contains("Meshtastic 127.0.0.1:" + port + ": stopped\n"));
        Await.until("packets recorded after the update", Duration.ofSeconds(20), () -> recorded() > 0);
        assertTrue("what the radio handed over again was recorded before the update, and is known after it", repeats() >= 1);
        Await.until("the threads of before, no more: " + threads, Duration.ofSeconds(10), () -> meshThreads().equals(threads));
    }

    /** The meshtastic bundle's threads, by name as Linux keeps it. */
    private List<String> meshThreads() throws IOException {
        return gateway.threadNames().stream().filter(n -> n.startsWith("outrigger-mesh")).sorted().toList();
    }

    @Test
    public void packetsHandedOverAgainAfterTheGatewayWasKilledAreRecordedOnce() throws Exception {
        // the radio in a process of its own, so that it outlives the gateway as a real one does
        radio = folder.gateway("radio");
        int port = Ports.free();
        Files.writeString(radio.home.resolve("etc/dev.outrigger.feature.cfg"), "install = simulator\n");
        Files.writeString(radio.home.resolve("etc/dev.outrigger.simulator.cfg"),
                "bind = 127.0.0.1\nport = " + port + "\nintervalSeconds = 0.2\n");
        radio.start();
        configure("meshtastic", port, "", "127.0.0.1:" + port);
        Files.delete(gateway.home.resolve("etc/dev.outrigger.simulator.cfg"));
        gateway.start();
        awaitLive("the radio live");
        Await.until("packets recorded", Duration.ofSeconds(20), () -> recorded() >= 3);

        gateway.kill();
        gateway.start();
        awaitLive("live again after the restart");
        Await.until("what the radio handed over again was recorded before the kill, and is known after it",
                Duration.ofSeconds(20), () -> repeats() >= 1);
    }

    /** Packets the radio handed over again and the gateway did not record twice, as mesh:info counts them. */
    private long repeats() throws Exception {
        return packets(".* recorded, (\\d+) repeat.*");
    }

    /** Packets recorded since the bundle started, as mesh:info counts them. */
    private long recorded() throws Exception {
        return packets("packets\\s+(\\d+) recorded.*");
    }

    private long packets(String count) throws Exception {
        return gateway.shell("mesh:info").output().lines().filter(l -> l.startsWith("packets"))
                .map(l -> Long.parseLong(l.replaceAll(count, "$1"))).findFirst().orElse(0L);
    }
}
