package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;

import com.sun.net.httpserver.HttpServer;

import dev.outrigger.feature.Feature;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.json.Json;

/**
 * Remote configuration and bundle management in a real runtime process, with Debian's MQTT clients as the remote side:
 * {@code mosquitto_rr} (MQTT 5 request/response) and {@code mosquitto_pub} (MQTT 3.1.1, request id
 * in the body) against a real mosquitto.
 */
public class RemoteProcessIT {

    private static final String GREETER = "dev.outrigger.itest.greeter";
    private static final String GREETER_COMPONENT = "OSGI-INF/dev.outrigger.itest.fixture.Greeter.xml";

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private Mosquitto broker;
    private final Subscriptions subscriptions = new Subscriptions();

    @After
    public void stop() throws Exception {
        subscriptions.close();
        if (broker != null) {
            broker.close();
        }
    }

    /** A gateway with the mqtt feature (so remote configuration), declared in etc/, and the fixture's greeter. */
    private GatewayProcess gateway(String id, String remoteConfig) throws Exception {
        GatewayProcess gateway = started(id, remoteConfig, "");
        // the line tells the subscription was asked for; a request that reaches the broker before it
        // has the subscription is lost (as the MQTT request/response pattern has it): asked until answered
        Await.until("remote configuration of " + id + " heard through the broker", Duration.ofSeconds(20),
                () -> call(id, "config/get", "{\"pid\": \"" + GREETER + "\"}", 2) != null);
        return gateway;
    }

    /** The gateway, once remote configuration has asked the broker for its subscriptions. */
    private GatewayProcess started(String id, String remoteConfig, String mqttConfig) throws Exception {
        if (broker == null) {
            broker = new Mosquitto(folder.newFolder("broker").toPath(), "").start();
        }
        GatewayProcess gateway = folder.gateway(id);
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"), "broker = " + broker.uri()
                + "\nroot = it\ngatewayId = " + id + "\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n" + mqttConfig);
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.remote.cfg"), remoteConfig);
        // declared, as a ConfigMap would: installed at start
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.feature.cfg"), "install = mqtt\n");
        gateway.start();
        Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Await.until("the greeter and remote configuration of " + id, Duration.ofSeconds(15),
                () -> gateway.shell("fixture:greet").status() == 0 && gateway.log().contains("Remote configuration: answering"));
        return gateway;
    }

    /**
     * A broker whose ACL refuses the gateway's subscription to its configuration requests: one line
     * names the topic and why, mqtt:status shows it, the gateway asks again while refused (brokers
     * that do not end a connection when its rights change grant it so), and once the ACL grants it
     * requests are answered.
     */
    @Test
    public void aSubscriptionTheBrokerRefusesIsSaidOnceAndAskedForAgainUntilGranted() throws Exception {
        broker = Mosquitto.withDynamicSecurity(folder.newFolder("broker").toPath(), "log_type all\n").start();
        // everyone connects anonymously and may do anything but subscribe to the gateway's configuration
        // requests (the test's clients need not)
        broker.dynsec("createRole", "all");
        broker.dynsec("addRoleACL", "all", "subscribePattern", "#", "allow");
        broker.dynsec("addRoleACL", "all", "publishClientSend", "#", "allow");
        broker.dynsec("createRole", "noconfig");
        broker.dynsec("addRoleACL", "noconfig", "subscribePattern", "it/gw/config/#", "deny");
        broker.dynsec("createGroup", "anonymous");
        broker.dynsec("addGroupRole", "anonymous", "all");
        broker.dynsec("addGroupRole", "anonymous", "noconfig", "5");
        broker.dynsec("setAnonymousGroup", "anonymous");
        GatewayProcess gateway = started("gw", "", "");

        String refusal = "refused the subscription to it/gw/config/+ (not authorized, 0x87): nothing sent there reaches "
                + "this gateway (the broker's ACL must let this client subscribe to it); asking again every 1 s";
        Await.until("the refusal said", Duration.ofSeconds(10), () -> gateway.log().contains(refusal));
        String status = gateway.shell("mqtt:status").output();
        assertTrue(status, status.contains("\nrefused     subscription to it/gw/config/+ (not authorized, 0x87)\n"));
        assertEquals("the others granted: " + status, 1, status.lines().filter(l -> l.startsWith("refused")).count());
        GatewayProcess.Result tail = gateway.shell("mqtt:tail config/+");
        assertEquals(tail.output(), List.of(1, "error: the broker refused the subscription to it/gw/config/+ (not authorized, 0x87)"),
                List.of(tail.status(), tail.output().strip()));
        Await.until("asked for again on the same connection", Duration.ofSeconds(10),
                () -> broker.log().split("\tit/gw/config/\\+ \\(QoS 1\\)", -1).length - 1 >= 3);
        assertEquals(broker.log(), 1, broker.log().lines().filter(l -> l.contains(" as outrigger-gw ")).count());

        // mosquitto ends the connections of clients whose rights changed; the new one is granted it
        broker.dynsec("removeRoleACL", "noconfig", "subscribePattern", "it/gw/config/#");
        Await.until("requests heard once the ACL grants the subscription", Duration.ofSeconds(20),
                () -> call("gw", "config/get", "{\"pid\": \"" + GREETER + "\"}", 2) != null);
        String log = gateway.log();
        assertTrue(log, log.contains("now takes the subscription to it/gw/config/+")
                && log.contains("lost: the broker disconnected it (administrative action, 0x98)"));
        assertEquals("said once, though asked for again every second", 1, log.lines().filter(l -> l.contains(refusal)).count());
        assertFalse(gateway.shell("mqtt:status").output().contains("refused "));
    }

    @Test
    public void listGetSetDeleteChangeARunningBridgeAndSurviveARestart() throws Exception {
        GatewayProcess gateway = gateway("gw", "");

        Map<String, Object> list = request("gw", "list", "{}");
        List<String> pids = ((List<?>) list.get("result")).stream().map(s -> (String) ((Map<?, ?>) s).get("pid")).toList();
        assertTrue(pids.toString(), pids.containsAll(List.of("dev.outrigger.bridge", "dev.outrigger.mqtt", GREETER)));
        assertFalse("never the shell, the framework's or its own: " + pids, pids.stream().anyMatch(
                p -> p.equals("dev.outrigger.shell") || p.startsWith("org.apache.felix") || p.equals("dev.outrigger.remote")));
        Map<?, ?> bridge = schema(list, "dev.outrigger.bridge");
        assertEquals(true, bridge.get("factory"));
        Map<?, ?> port = property(bridge, "port");
        assertEquals("Integer", port.get("type"));
        assertEquals(true, port.get("required"));
        assertEquals("the bounds the bridge declares", List.of(1, 65535),
                Stream.of(port.get("min"), port.get("max")).map(n -> ((Number) n).intValue()).toList());
        assertFalse("none where none is declared", property(bridge, "device").containsKey("min"));
        // the shell describes the same schema
        String described = gateway.shell("config:describe dev.outrigger.bridge").output();
        assertTrue(described, described.startsWith("dev.outrigger.bridge: Outrigger serial bridge (factory: each instance is "
                + "dev.outrigger.bridge~<name>)") && described.contains("\n  port                     Integer from 1 to 65535, required\n")
                && described.contains("\n  mode                     String, one of raw, rfc2217, default raw\n")
                && described.contains("\n  allow                    list of String, empty by default\n"));
        assertTrue(property(bridge, "mode").get("options").toString().contains("rfc2217"));
        assertEquals("a list empty by default: no value, not a blank one", List.of(), property(bridge, "allow").get("default"));
        assertEquals(List.of("raw"), property(bridge, "mode").get("default"));

        // a new bridge instance, remotely: listening, and telling clients why there is no device
        assertTrue(gateway.shell("bridge:list").output().startsWith("no bridge: none configured"));
        int first = Ports.free();
        Map<String, Object> created = request("gw", "set", "{\"pid\": \"dev.outrigger.bridge~stick\", "
                + "\"properties\": {\"device\": \"/dev/ttyNOTHERE\", \"port\": " + first + ", \"baud\": 115200}}");
        assertEquals(created.toString(), true, created.get("ok"));
        // the reply says ConfigAdmin has it; the bridge component starts listening moments later
        Await.until("the new bridge listening", Duration.ofSeconds(5), () -> readLine(first).contains("not present"));
        Path file = gateway.home.resolve("etc/dev.outrigger.bridge-stick.cfg");
        assertTrue(Files.readString(file).contains("115200"));
        Files.writeString(file, "# the stick in the shed\n" + Files.readString(file));

        // a partial update re-binds the running bridge on its new port, and is in the file (its
        // comment kept, its values as a person writes them) by the time the reply comes
        int second = Ports.free();
        Map<String, Object> moved = request("gw", "set", "{\"pid\": \"dev.outrigger.bridge~stick\", "
                + "\"properties\": {\"port\": " + second + "}}");
        assertEquals(moved.toString(), true, moved.get("ok"));
        String written = Files.readString(file);
        assertTrue(written, written.startsWith("# the stick in the shed\n") && written.contains("port = " + second + "\n")
                && written.contains("baud = 115200\n") && !written.contains(String.valueOf(first)));
        Await.until("the bridge on its new port", Duration.ofSeconds(5), () -> readLine(second).contains("not present"));
        assertEquals(115200L, ((Map<?, ?>) ((Map<?, ?>) moved.get("result")).get("properties")).get("baud"));

        // the shell sees the same truth, and the change survives a restart
        assertTrue(gateway.shell("config:get dev.outrigger.bridge~stick").output().contains(String.valueOf(second)));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(10)));
        gateway.start();
        Await.until("the bridge back on its port after a restart", Duration.ofSeconds(15),
                () -> gateway.shell("bridge:list").output().contains(":" + second));
        Map<String, Object> got = Await.value("remote configuration back after a restart", Duration.ofSeconds(20),
                () -> request("gw", "get", "{\"pid\": \"dev.outrigger.bridge\"}", 2));
        assertTrue(got.toString(), got.get("result").toString().contains("port=" + second));

        Map<String, Object> deleted = request("gw", "delete", "{\"pid\": \"dev.outrigger.bridge~stick\"}");
        assertEquals(deleted.toString(), true, deleted.get("ok"));
        Await.until("the bridge gone", Duration.ofSeconds(5),
                () -> !gateway.shell("bridge:list").output().contains(":" + second));
        assertFalse(Files.exists(gateway.home.resolve("etc/dev.outrigger.bridge-stick.cfg")));
        assertEquals("not_found", error(request("gw", "delete", "{\"pid\": \"dev.outrigger.bridge~stick\"}")).get("kind"));
    }

    @Test
    public void invalidChangesAreRefusedPreciselyAndNothingIsApplied() throws Exception {
        GatewayProcess gateway = gateway("gw", "bundles = true\n");
        String before = gateway.shell("config:get " + GREETER).output();

        assertProblem(request("gw", "set", set(GREETER, "\"greeting\": \"ahoy\", \"colour\": \"red\"")), "colour", "unknown property");
        assertProblem(request("gw", "set", set(GREETER, "\"repeat\": \"twice\"")), "repeat", "expected an integer");
        assertProblem(request("gw", "set", set(GREETER, "\"repeat\": true")), "repeat", "wrong type");
        assertProblem(request("gw", "set", set(GREETER, "\"greeting\": \"ahoy\\n\\u001b[2J\"")), "greeting",
                "ahoy??[2J rejected: a control character (shown as ?) has no place in a setting");
        assertProblem(request("gw", "set", set(GREETER, "\"repeat\": 0")), "repeat", "0 rejected (less than minimum), expected an integer, at least 1");
        assertProblem(request("gw", "set", set("dev.outrigger.bridge~x", "\"device\": \"/dev/ttyUSB0\", \"port\": 2000, \"mode\": \"telnet\"")),
                "mode", "one of raw, rfc2217");
        assertProblem(request("gw", "set", set("dev.outrigger.bridge~x", "\"device\": \"/dev/ttyUSB0\"")), "port", "required");
        assertEquals("the greeter is unchanged", before, gateway.shell("config:get " + GREETER).output());
        assertEquals(1, gateway.shell("config:get dev.outrigger.bridge~x").status());

        // the shell refuses the same way
        GatewayProcess.Result shell = gateway.shell("config:set " + GREETER + " repeat=0");
        assertEquals(1, shell.status());
        assertTrue(shell.output(), shell.output().contains("repeat: 0 rejected (less than minimum), expected an integer, at least 1"));

        // revisions: of two changes based on the same revision, the second is refused
        long revision = ((Number) ((Map<?, ?>) ((List<?>) request("gw", "get", "{\"pid\": \"" + GREETER + "\"}")
                .get("result")).get(0)).get("revision")).longValue();
        String based = "\"revision\": " + revision + ", \"properties\": ";
        Map<String, Object> one = request("gw", "set", "{\"pid\": \"" + GREETER + "\", " + based + "{\"greeting\": \"one\"}}");
        Map<String, Object> two = request("gw", "set", "{\"pid\": \"" + GREETER + "\", " + based + "{\"greeting\": \"two\"}}");
        assertEquals(one.toString(), true, one.get("ok"));
        assertEquals("conflict", error(two).get("kind"));
        Await.until("the first change applied", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").output().contains("one"));

        // not allow-listed, malformed, oversized: refused with a reason
        assertEquals("forbidden", error(request("gw", "get", "{\"pid\": \"dev.outrigger.shell\"}")).get("kind"));
        assertEquals("forbidden", error(request("gw", "set", set("org.apache.felix.fileinstall", "\"x\": 1"))).get("kind"));
        assertEquals("malformed", error(request("gw", "get", "{\"pid\": ")).get("kind"));
        assertEquals("malformed", error(request("gw", "get", "{\"pid\": \"" + "x".repeat(20_000) + "\"}")).get("kind"));
        assertEquals("malformed", error(request("gw", "reboot", "{}")).get("kind"));
        // one object, read whole: two run together are refused, not half applied
        Map<?, ?> twoInOne = error(request("gw", "set", set(GREETER, "\"greeting\": \"a\"") + set(GREETER, "\"greeting\": \"b\"")));
        assertEquals("malformed", twoInOne.get("kind"));
        assertTrue(twoInOne.toString(), twoInOne.get("message").toString().contains("more after the JSON object at line 1, column 72"));

        // any valid JSON is read as meant: a value ending in a backslash (a path, a pattern) arrives whole
        Map<String, Object> path = request("gw", "set", set(GREETER, "\"greeting\": \"C:\\\\radios\\\\\", \"repeat\": 1e0"));
        assertProblem(path, "repeat", "1.0 rejected");
        path = request("gw", "set", set(GREETER, "\"greeting\": \"C:\\\\radios\\\\\""));
        assertEquals(path.toString(), true, path.get("ok"));
        Await.until("the greeting with its backslashes", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("C:\\radios\\"));

        // bundle management switched on, but without a signing key: nothing a stranger could install
        Map<?, ?> unsigned = error(request("gw", "bundles/list", "{}"));
        assertEquals("forbidden", unsigned.get("kind"));
        assertTrue(unsigned.toString(), unsigned.get("message").toString().contains("hmacKeyFile"));
        assertTrue(gateway.log().contains("Remote bundles: every request is refused until hmacKeyFile is set"));
    }

    @Test
    public void secretsAreNeverShownNorLogged() throws Exception {
        GatewayProcess gateway = gateway("gw", "");
        Map<String, Object> set = request("gw", "set", set(GREETER, "\"password\": \"hunter2\""));
        assertEquals(set.toString(), true, set.get("ok"));
        Await.until("the secret reaches the greeter", Duration.ofSeconds(5),
                () -> gateway.shell("fixture:greet").output().contains("with a secret"));

        String got = request("gw", "get", "{\"pid\": \"" + GREETER + "\"}").toString();
        assertTrue(got, got.contains("password=set"));
        assertFalse(got, got.contains("hunter2") || set.toString().contains("hunter2"));
        assertTrue(gateway.shell("config:get " + GREETER).output().contains("(secret, set)"));
        assertFalse(gateway.shell("config:get " + GREETER).output().contains("hunter2"));
        assertFalse(gateway.log().contains("hunter2"));
        assertTrue("the change is logged, by key", gateway.log().contains("Configuration " + GREETER + " changed by mqtt"));
    }

    @Test
    public void signedRequestsAreCheckedForKeyTimeAndReplay() throws Exception {
        Path key = Files.writeString(folder.getRoot().toPath().resolve("hmac.key"), "s3cret-shared-key\n");
        gateway("gw", "hmacKeyFile = " + key + "\nmaxSkewSeconds = 60\n");
        String get = signedGet(Instant.now().getEpochSecond(), "a1");

        assertEquals("unsigned", "unauthenticated", error(request("gw", "get", "{\"pid\": \"" + GREETER + "\"}")).get("kind"));
        Map<String, Object> good = request("gw", "get", signed(get, "s3cret-shared-key"));
        assertEquals(good.toString(), true, good.get("ok"));
        Map<?, ?> replayed = error(request("gw", "get", signed(get, "s3cret-shared-key")));
        assertEquals("replayed request", replayed.get("message"));
        assertEquals("bad signature", error(request("gw", "get", signed(signedGet(Instant.now().getEpochSecond(), "a2"),
                "wrong-key"))).get("message"));
        String stale = signedGet(Instant.now().getEpochSecond() - 3600, "a3");
        assertTrue(error(request("gw", "get", signed(stale, "s3cret-shared-key"))).get("message").toString()
                .contains("from this gateway's clock"));
    }

    @Test
    public void groupsAndMqtt3ClientsGetTheirRepliesFromEveryMember() throws Exception {
        GatewayProcess shed = gateway("shed", "");
        GatewayProcess garage = gateway("garage", "");
        for (String gw : List.of("shed", "garage")) {
            Map<String, Object> joined = request(gw, "set", set("dev.outrigger.remote.groups", "\"groups\": [\"outbuildings\"]"));
            assertEquals(joined.toString(), true, joined.get("ok"));
        }
        for (GatewayProcess g : List.of(shed, garage)) {
            Await.until("membership applied", Duration.ofSeconds(10),
                    () -> g.log().contains("for groups [outbuildings]"));
        }

        // an MQTT 3.1.1 client: requestId in the body, a reply from each member on its own topic
        Queue<String> replies = subscriptions.subscribe(broker.uri(), "it/+/config/reply/r1");
        publish311("it/group/outbuildings/config/set", "{\"requestId\": \"r1\", \"requester\": \"ops\", "
                + "\"pid\": \"" + GREETER + "\", \"properties\": {\"greeting\": \"moin\"}}");
        Await.until("a reply from each member", Duration.ofSeconds(10), () -> replies.size() == 2);
        assertTrue(replies.toString(), replies.stream().allMatch(r -> r.contains("\"ok\":true")));
        for (GatewayProcess g : List.of(shed, garage)) {
            Await.until("the group's change applied", Duration.ofSeconds(5), () -> g.shell("fixture:greet").output().contains("moin"));
            assertTrue(g.log().contains("changed by mqtt ops via group outbuildings"));
        }

        // membership changes only through a gateway's own topic
        Queue<String> refused = subscriptions.subscribe(broker.uri(), "it/+/config/reply/r2");
        publish311("it/group/outbuildings/config/set", "{\"requestId\": \"r2\", \"pid\": \"dev.outrigger.remote.groups\", "
                + "\"properties\": {\"groups\": []}}");
        Await.until("both refusals", Duration.ofSeconds(10), () -> refused.size() == 2);
        assertTrue(refused.toString(), refused.stream().allMatch(r -> r.contains("\"kind\":\"forbidden\"")));
    }

    @Test
    public void aFloodIsRateLimitedAndTheGatewayAnswersAgainAfterwards() throws Exception {
        gateway("gw", "requestsPerMinute = 30\n");
        Queue<String> replies = subscriptions.subscribe(broker.uri(), "it/gw/config/reply/#");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            lines.append("{\"requestId\": \"f").append(i).append("\", \"pid\": \"").append(GREETER).append("\"}\n");
        }
        publishLines("it/gw/config/get", lines.toString());
        Await.until("50 replies", Duration.ofSeconds(10), () -> replies.size() == 50);
        long limited = replies.stream().filter(r -> r.contains("rate_limited")).count();
        assertTrue("some refused for the rate: " + limited, limited >= 20);
        Await.until("answers again once the rate falls", Duration.ofSeconds(10),
                () -> Boolean.TRUE.equals(request("gw", "get", "{\"pid\": \"" + GREETER + "\"}").get("ok")));
    }

    /**
     * Requests waiting behind a slow one (a download) when remote requests restart (here: their own
     * configuration changed) were taken in: each is answered, as not carried out, rather than dropped.
     */
    @Test
    public void requestsWaitingWhenRemoteRequestsRestartAreAnsweredNotDropped() throws Exception {
        Path key = Files.writeString(folder.getRoot().toPath().resolve("hmac.key"), "fleet-key\n");
        GatewayProcess gateway = gateway("gw", "bundles = true\nhmacKeyFile = " + key + "\n");
        CountDownLatch downloading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/slow.jar", exchange -> {
            downloading.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        http.start();
        try {
            Queue<String> replies = subscriptions.subscribe(broker.uri(), "it/gw/config/reply/#");
            publish311("it/gw/bundles/install", signed(signedBody("\"url\": \"http://127.0.0.1:" + http.getAddress().getPort()
                    + "/slow.jar\", \"sha256\": \"" + "0".repeat(64) + "\""), "fleet-key"));
            assertTrue("the download under way", downloading.await(10, TimeUnit.SECONDS));
            // behind it, as many as may wait, and one more: refused at once, so the others are known to wait
            long now = Instant.now().getEpochSecond();
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i <= 64; i++) {
                lines.append(signed(signedGet(now, "waiting" + i), "fleet-key")).append('\n');
            }
            publishLines("it/gw/config/get", lines.toString());
            Await.until("64 waiting, one refused", Duration.ofSeconds(10),
                    () -> gateway.log().contains("Remote requests: 1 refused: more than the rate limit allows"));

            assertEquals(0, gateway.shell("config:set dev.outrigger.remote requestsPerMinute=61").status());
            Await.until("64 answers", Duration.ofSeconds(10), () -> replies.size() == 64);
            for (String reply : replies) {
                Map<?, ?> error = error(Json.object(reply.getBytes(StandardCharsets.UTF_8)));
                assertEquals(reply, "unavailable", error.get("kind"));
                assertTrue(reply, error.get("message").toString().startsWith("not carried out, nothing applied"));
            }
            assertEquals(IntStream.range(0, 64).mapToObj(i -> "waiting" + i).toList(),
                    replies.stream().map(r -> Json.object(r.getBytes(StandardCharsets.UTF_8)).get("requestId")).toList());
            // said once they are answered: the last reply can come in before the line is written
            Await.until("the answers said in the log", Duration.ofSeconds(5),
                    () -> gateway.log().contains("Remote requests: 64 waiting request(s) answered as not carried out"));
            Await.until("answering again", Duration.ofSeconds(10), () -> {
                Map<String, Object> reply = request("gw", "get", signed(signedGet(Instant.now().getEpochSecond(), "again"),
                        "fleet-key"), 2);
                return reply != null && Boolean.TRUE.equals(reply.get("ok"));
            });
        } finally {
            release.countDown();
            http.stop(0);
        }
    }

    @Test
    public void bundlesAreInstalledUpdatedAndUninstalledBySignedRequestsFromAUrlPinnedByItsDigest() throws Exception {
        Path key = Files.writeString(folder.getRoot().toPath().resolve("hmac.key"), "fleet-key\n");
        GatewayProcess gateway = gateway("gw", "bundles = true\nhmacKeyFile = " + key + "\n");
        Path served = folder.newFolder("served").toPath();
        Path yaml = Files.copy(Distribution.file(artifact("ser2net", "snakeyaml")), served.resolve("snakeyaml.jar"));
        Path greeter = Jars.withHeaders(Distribution.FIXTURE, served.resolve("greeter.jar"), Map.of("Bundle-Version", "0.1.1.remote"));
        Path remote = Jars.withHeaders(Distribution.file(artifact("mqtt", "dev.outrigger.remote")), served.resolve("remote.jar"),
                Map.of("Bundle-Version", "0.1.1.remote"));
        // releases that cannot resolve on this gateway
        Map<String, String> broken = Map.of("Bundle-Version", "0.1.2.broken", "Require-Capability",
                "osgi.ee;filter:=\"(osgi.ee=NoSuchRuntime)\"");
        Path brokenGreeter = Jars.withHeaders(Distribution.FIXTURE, served.resolve("broken-greeter.jar"), broken);
        Path brokenRemote = Jars.withHeaders(Distribution.file(artifact("mqtt", "dev.outrigger.remote")),
                served.resolve("broken-remote.jar"), broken);
        // releases that start, but whose component cannot be made, or needs a service nobody offers
        String component = new String(Jars.entry(Distribution.FIXTURE, GREETER_COMPONENT), StandardCharsets.UTF_8);
        Path failingGreeter = Jars.variant(Distribution.FIXTURE, served.resolve("failing-greeter.jar"),
                Map.of("Bundle-Version", "0.1.3.failing"), Map.of(GREETER_COMPONENT, component
                        .replace("class=\"dev.outrigger.itest.fixture.Greeter\"", "class=\"dev.outrigger.itest.fixture.Gone\"")));
        // a release that comes up as it should (and is made to go wrong later)
        Path laterGreeter = Jars.withHeaders(Distribution.FIXTURE, served.resolve("later-greeter.jar"),
                Map.of("Bundle-Version", "0.1.5.later"));
        Path needyGreeter = Jars.variant(Distribution.FIXTURE, served.resolve("needy-greeter.jar"),
                Map.of("Bundle-Version", "0.1.4.needy"), Map.of(GREETER_COMPONENT, component.replace("<implementation",
                        "<reference name=\"clock\" interface=\"java.time.InstantSource\" cardinality=\"1..1\"/><implementation")));
        HttpServer http = serve(served);
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/";

            // the digest pins the content: a jar that is not the one asked for is refused, nothing installed
            Map<?, ?> tampered = error(bundles("install", "\"url\": \"" + base + "snakeyaml.jar\", \"sha256\": \""
                    + "0".repeat(64) + "\""));
            assertEquals(tampered.toString(), "invalid", tampered.get("kind"));
            assertEquals("failed", error(bundles("install", "\"url\": \"" + base + "missing.jar\", \"sha256\": \""
                    + sha256(yaml) + "\"")).get("kind"));
            assertFalse(gateway.shell("lb").output().contains("SnakeYAML"));

            // a new bundle: installed, started, listed
            Map<?, ?> installed = result(bundles("install", "\"url\": \"" + base + "snakeyaml.jar\", \"sha256\": \""
                    + sha256(yaml) + "\""));
            assertEquals("active", installed.get("state"));
            assertTrue(gateway.shell("lb").output().contains("SnakeYAML"));
            assertTrue(gateway.log().contains("Remote bundles: org.yaml.snakeyaml"));

            // a bundle from deploy/ is updated through its file there: the folder stays the truth
            Map<?, ?> updated = result(bundles("install", "\"url\": \"" + base + "greeter.jar\", \"sha256\": \""
                    + sha256(greeter) + "\""));
            assertEquals("0.1.1.remote", updated.get("version"));
            assertEquals("active", updated.get("state"));
            assertEquals(sha256(greeter), sha256(gateway.home.resolve("deploy/fixture.jar")));
            Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").status() == 0);

            // a release that cannot start is rolled back: the previous jar is back in deploy/, and running
            Map<?, ?> refused = error(bundles("install", "\"url\": \"" + base + "broken-greeter.jar\", \"sha256\": \""
                    + sha256(brokenGreeter) + "\""));
            assertEquals(refused.toString(), "failed", refused.get("kind"));
            assertTrue(refused.toString(), refused.get("message").toString().contains("NoSuchRuntime")
                    && refused.get("message").toString().endsWith("rolled back to 0.1.1.remote"));
            assertEquals(sha256(greeter), sha256(gateway.home.resolve("deploy/fixture.jar")));
            Await.until("the greeter answering", Duration.ofSeconds(5), () -> gateway.shell("fixture:greet").status() == 0);

            // so is a release that starts but whose component does not come up as before
            Map<?, ?> failing = error(bundles("install", "\"url\": \"" + base + "failing-greeter.jar\", \"sha256\": \""
                    + sha256(failingGreeter) + "\""));
            assertEquals(failing.toString(), "failed", failing.get("kind"));
            assertTrue(failing.toString(), failing.get("message").toString().contains("0.1.3.failing starts, but component "
                    + "dev.outrigger.itest.fixture.Greeter") && failing.get("message").toString().endsWith("rolled back to 0.1.1.remote"));
            Map<?, ?> needy = error(bundles("install", "\"url\": \"" + base + "needy-greeter.jar\", \"sha256\": \""
                    + sha256(needyGreeter) + "\""));
            assertTrue(needy.toString(), needy.get("message").toString().contains("0.1.4.needy starts, but component "
                    + "dev.outrigger.itest.fixture.Greeter lacks a service for its reference clock (java.time.InstantSource) "
                    + "5 s after the update; rolled back to 0.1.1.remote"));
            assertEquals(sha256(greeter), sha256(gateway.home.resolve("deploy/fixture.jar")));
            Await.until("the greeter back", Duration.ofSeconds(10), () -> gateway.shell("fixture:greet").status() == 0);

            // one that comes up, then goes wrong within its probation (its component disabled here, as
            // one failing on its first real work would be): rolled back too, and said on bundles/events
            Queue<String> events = subscriptions.subscribe(broker.uri(), "it/gw/bundles/events");
            Map<?, ?> watched = result(bundles("install", "\"url\": \"" + base + "later-greeter.jar\", \"sha256\": \""
                    + sha256(laterGreeter) + "\""));
            assertEquals(watched.toString(), "0.1.5.later", watched.get("version"));
            assertEquals(watched.toString(), 300L, ((Number) watched.get("probationSeconds")).longValue());
            assertEquals(0, gateway.shell("scr:disable dev.outrigger.itest.fixture.Greeter").status());
            Await.until("rolled back within its probation", Duration.ofSeconds(20),
                    () -> sha256(gateway.home.resolve("deploy/fixture.jar")).equals(sha256(greeter))
                            && gateway.shell("fixture:greet").status() == 0);
            Await.until("the roll back on bundles/events", Duration.ofSeconds(5), () -> events.stream()
                    .map(e -> Json.object(e.getBytes(StandardCharsets.UTF_8)))
                    .anyMatch(e -> "rolledBack".equals(e.get("event")) && "0.1.5.later".equals(e.get("version"))
                            && "0.1.1.remote".equals(e.get("previousVersion"))
                            && "component dev.outrigger.itest.fixture.Greeter is not enabled".equals(e.get("reason"))));
            assertTrue(gateway.log(), gateway.log().contains("dev.outrigger.itest.fixture 0.1.5.later went wrong within 300 s of its "
                    + "update: component dev.outrigger.itest.fixture.Greeter is not enabled; rolled back to 0.1.1.remote"));

            // the bundle that answers: replied to first, then updated; it answers again, as the new version
            Map<?, ?> self = result(bundles("install", "\"url\": \"" + base + "remote.jar\", \"sha256\": \""
                    + sha256(remote) + "\""));
            assertEquals("updating", self.get("state"));
            Await.until("the remote bundle back, updated", Duration.ofSeconds(20), () -> {
                Map<String, Object> list = call("gw", "bundles/list", signed(signedBody(""), "fleet-key"), 2);
                return list != null && ((List<?>) list.get("result")).stream().map(b -> (Map<?, ?>) b)
                        .anyMatch(b -> b.get("symbolicName").equals("dev.outrigger.remote")
                                && b.get("version").equals("0.1.1.remote") && b.get("state").equals("active"));
            });
            Await.until("the self-update logged as done", Duration.ofSeconds(5),
                    () -> gateway.log().contains("dev.outrigger.remote updated from 0.1.0.SNAPSHOT to 0.1.1.remote"));

            // nor does a bad release of it cut the gateway off: it answers again, as the version before
            assertEquals("updating", result(bundles("install", "\"url\": \"" + base + "broken-remote.jar\", \"sha256\": \""
                    + sha256(brokenRemote) + "\"")).get("state"));
            Await.until("the remote bundle rolled back", Duration.ofSeconds(20),
                    () -> gateway.log().lines().anyMatch(l -> l.contains("cannot update dev.outrigger.remote 0.1.1.remote")
                            && l.contains("rolled back to 0.1.1.remote")));
            Await.until("the remote bundle answering again", Duration.ofSeconds(20), () -> {
                Map<String, Object> list = call("gw", "bundles/list", signed(signedBody(""), "fleet-key"), 2);
                return list != null && ((List<?>) list.get("result")).stream().map(b -> (Map<?, ?>) b)
                        .anyMatch(b -> b.get("symbolicName").equals("dev.outrigger.remote")
                                && b.get("version").equals("0.1.1.remote") && b.get("state").equals("active"));
            });

            // the core and the channel stay; anything else goes
            assertEquals("forbidden", error(bundles("uninstall", "\"symbolicName\": \"dev.outrigger.shell\"")).get("kind"));
            assertEquals("forbidden", error(bundles("uninstall", "\"symbolicName\": \"dev.outrigger.mqtt\"")).get("kind"));
            assertEquals("not_found", error(bundles("uninstall", "\"symbolicName\": \"no.such.bundle\"")).get("kind"));
            assertEquals("uninstalled", result(bundles("uninstall",
                    "\"symbolicName\": \"org.yaml.snakeyaml\"")).get("state"));
            assertFalse(gateway.shell("lb").output().contains("SnakeYAML"));
            assertEquals("uninstalled", result(bundles("uninstall", "\"symbolicName\": \"dev.outrigger.itest.fixture\""))
                    .get("state"));
            assertFalse("deploy/ stays the truth", Files.exists(gateway.home.resolve("deploy/fixture.jar")));
        } finally {
            http.stop(0);
        }
    }

    /**
     * An update of a bundle the requests travel through that comes up but cannot reach the broker
     * (here: configured elsewhere) would cut the gateway off for good. It must hear itself through
     * the broker before its probation ends, or the launcher puts the previous release back.
     */
    @Test
    public void aReleaseOfTheChannelThatCannotReachTheBrokerIsRolledBackWhenUnconfirmed() throws Exception {
        Path key = Files.writeString(folder.getRoot().toPath().resolve("hmac.key"), "fleet-key\n");
        GatewayProcess gateway = gateway("gw", "bundles = true\nhmacKeyFile = " + key + "\nprobationSeconds = 10\n");
        Path served = folder.newFolder("served").toPath();
        Path mqtt = Distribution.file(artifact("mqtt", "dev.outrigger.mqtt"));
        Path good = Jars.withHeaders(mqtt, served.resolve("good.jar"), Map.of("Bundle-Version", "0.1.1.good"));
        String connection = "OSGI-INF/dev.outrigger.mqtt.MqttConnection.xml";
        Path deaf = Jars.variant(mqtt, served.resolve("deaf.jar"), Map.of("Bundle-Version", "0.1.2.deaf"), Map.of(connection,
                new String(Jars.entry(mqtt, connection), StandardCharsets.UTF_8)
                        .replace("configuration-pid=\"dev.outrigger.mqtt\"", "configuration-pid=\"dev.outrigger.mqtt.deaf\"")));
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.deaf.cfg"), "broker = tcp://127.0.0.1:" + Ports.free()
                + "\nroot = it\ngatewayId = gw\nreconnectMinMillis = 100\nreconnectMaxMillis = 1000\n");
        Queue<String> events = subscriptions.subscribe(broker.uri(), "it/gw/bundles/events");
        HttpServer http = serve(served);
        try {
            String base = "http://127.0.0.1:" + http.getAddress().getPort() + "/";

            // a good release hears itself: confirmed, and it stays after its probation
            assertEquals("updating", result(bundles("install", "\"url\": \"" + base + "good.jar\", \"sha256\": \""
                    + sha256(good) + "\"")).get("state"));
            Await.until("the good release confirmed", Duration.ofSeconds(20), () -> gateway.log()
                    .contains("the update of dev.outrigger.mqtt to 0.1.1.good is confirmed"));
            String log = gateway.log();
            int newConnection = log.indexOf("MQTT: connected to", log.indexOf("MQTT: connected to") + 1);
            assertTrue("confirmed through the new release's connection, not the old one's: " + log,
                    newConnection > 0 && newConnection < log.indexOf("the update of dev.outrigger.mqtt to 0.1.1.good is confirmed"));
            Await.until("its announcement heard here too", Duration.ofSeconds(5), () -> events.stream()
                    .map(e -> Json.object(e.getBytes(StandardCharsets.UTF_8)))
                    .anyMatch(e -> "updated".equals(e.get("event")) && "0.1.1.good".equals(e.get("version"))));
            assertTrue(isEmpty(gateway.home.resolve("data/unconfirmed-updates")));

            // a deaf one is put back by the launcher when its probation ends, and that is announced
            assertEquals("updating", result(bundles("install", "\"url\": \"" + base + "deaf.jar\", \"sha256\": \""
                    + sha256(deaf) + "\"")).get("state"));
            Await.until("the deaf release rolled back and announced", Duration.ofSeconds(45), () -> events.stream()
                    .map(e -> Json.object(e.getBytes(StandardCharsets.UTF_8)))
                    .anyMatch(e -> "rolledBack".equals(e.get("event")) && "0.1.2.deaf".equals(e.get("version"))
                            && "0.1.1.good".equals(e.get("previousVersion"))
                            && String.valueOf(e.get("reason")).contains("was not confirmed by its deadline")));
            assertTrue(gateway.log(), gateway.log().contains("outrigger: dev.outrigger.mqtt 0.1.2.deaf was not confirmed by its "
                    + "deadline (this gateway did not hear itself through the broker after the update); rolled back to 0.1.1.good"));
            Map<String, Object> list = request("gw", "bundles/list", signed(signedBody(""), "fleet-key"));
            assertTrue(list.toString(), ((List<?>) list.get("result")).stream().map(b -> (Map<?, ?>) b)
                    .anyMatch(b -> b.get("symbolicName").equals("dev.outrigger.mqtt") && b.get("version").equals("0.1.1.good")
                            && b.get("state").equals("active")));
            Await.until("nothing left waiting", Duration.ofSeconds(5), () -> isEmpty(gateway.home.resolve("data/unconfirmed-updates")));
        } finally {
            http.stop(0);
        }
    }

    @Test
    public void aChangeOfTheUplinkThatCutsTheGatewayOffIsPutBackWhenUnconfirmedEvenAcrossARestart() throws Exception {
        GatewayProcess gateway = gateway("gw", "probationSeconds = 6\n");
        Queue<String> events = subscriptions.subscribe(broker.uri(), "it/gw/config/events");
        Path kept = gateway.home.resolve("data/unconfirmed-configuration.json");

        // a change of the uplink is checked before its reply, and nothing of it applied when refused
        assertProblem(request("gw", "set", set("dev.outrigger.mqtt", "\"keepAliveSeconds\": 20, \"inflight\": 0")), "inflight", "0 rejected");
        assertFalse(Files.readString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg")).contains("keepAliveSeconds"));

        // a change after which the gateway still hears itself through the broker is confirmed, and stays
        Map<String, Object> keepAlive = request("gw", "set", set("dev.outrigger.mqtt", "\"keepAliveSeconds\": 20"));
        assertEquals(keepAlive.toString(), 6L, result(keepAlive).get("confirmWithinSeconds"));
        Await.until("the change confirmed", Duration.ofSeconds(15), () -> gateway.log().contains(
                "Remote configuration: the change of dev.outrigger.mqtt is confirmed: this gateway hears itself through the broker"));
        assertFalse(Files.exists(kept));

        // a broker address nobody answers on cuts the gateway off, a restart meanwhile included: put
        // back when its probation ends, and told once the gateway is back
        String cutOff = "tcp://127.0.0.1:" + Ports.free();
        Map<String, Object> moved = request("gw", "set", "{\"pid\": \"dev.outrigger.mqtt\", \"properties\": {\"broker\": \""
                + cutOff + "\"}, \"requester\": \"fleet-ops\"}");
        assertEquals(moved.toString(), 6L, result(moved).get("confirmWithinSeconds"));
        // replied to through the connection it came on, then applied, and kept for a restart
        Await.until("the change kept for a restart", Duration.ofSeconds(5), () -> Files.exists(kept));
        assertEquals(0, gateway.terminate(Duration.ofSeconds(10)));
        gateway.start();
        Await.until("the change put back and told", Duration.ofSeconds(40), () -> events.stream()
                .map(e -> Json.object(e.getBytes(StandardCharsets.UTF_8)))
                .anyMatch(e -> "rolledBack".equals(e.get("event")) && "dev.outrigger.mqtt".equals(e.get("pid"))
                        && List.of("broker").equals(e.get("properties")) && "mqtt fleet-ops".equals(e.get("requester"))));
        assertTrue(gateway.log(), gateway.log().contains("Remote configuration: the change of dev.outrigger.mqtt (broker) by mqtt "
                + "fleet-ops was not confirmed within 6 s: this gateway did not hear itself through the broker, so the values "
                + "from before it are back"));
        String file = Files.readString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"));
        assertTrue(file, file.contains(broker.uri()) && !file.contains(cutOff) && file.contains("keepAliveSeconds = 20\n"));
        assertFalse(Files.exists(kept));
        assertEquals("answering again", true, request("gw", "get", "{\"pid\": \"dev.outrigger.mqtt\"}").get("ok"));
    }

    /** Serves the folder's files over http on loopback, as a release repository would. */
    private static HttpServer serve(Path served) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            Path file = served.resolve(exchange.getRequestURI().getPath().substring(1));
            if (Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(200, Files.size(file));
                Files.copy(file, exchange.getResponseBody());
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        http.start();
        return http;
    }

    private static boolean isEmpty(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.findAny().isEmpty();
        }
    }

    private static Feature.Entry artifact(String feature, String artifactId) throws IOException {
        return Distribution.bundles(feature).stream().filter(e -> e.artifact().artifactId().equals(artifactId)).findFirst()
                .orElseThrow();
    }

    /** A signed bundle request of the gateway "gw", unique by its request id. */
    private Map<String, Object> bundles(String verb, String fields) throws Exception {
        return request("gw", "bundles/" + verb, signed(signedBody(fields), "fleet-key"));
    }

    private static String signedBody(String fields) {
        return "{" + fields + (fields.isEmpty() ? "" : ", ") + "\"timestamp\": " + Instant.now().getEpochSecond()
                + ", \"requestId\": \"b" + System.nanoTime() + "\"}";
    }

    private static Map<?, ?> result(Map<String, Object> reply) {
        assertEquals(reply.toString(), true, reply.get("ok"));
        return (Map<?, ?>) reply.get("result");
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private static String set(String pid, String properties) {
        return "{\"pid\": \"" + pid + "\", \"properties\": {" + properties + "}}";
    }

    private static String signedGet(long timestamp, String requestId) {
        return "{\"pid\": \"" + GREETER + "\", \"timestamp\": " + timestamp + ", \"requestId\": \"" + requestId + "\"}";
    }

    private static String signed(String request, String key) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String hmac = HexFormat.of().formatHex(mac.doFinal(request.getBytes(StandardCharsets.UTF_8)));
        return "{\"signed\": \"" + request.replace("\"", "\\\"") + "\", \"hmac\": \"" + hmac + "\"}";
    }

    /** One MQTT 5 request/response with mosquitto_rr; a verb without a kind is a configuration verb. */
    private Map<String, Object> request(String gateway, String verb, String body) throws Exception {
        Map<String, Object> reply = request(gateway, verb, body, 30);
        assertNotNull("no reply to " + verb + " " + body, reply);
        return reply;
    }

    private Map<String, Object> request(String gateway, String verb, String body, int seconds) throws Exception {
        return call(gateway, verb.contains("/") ? verb : "config/" + verb, body, seconds);
    }

    /** The reply to a request on {@code it/<gateway>/<kind>/<verb>}, or null if none came within the time. */
    private Map<String, Object> call(String gateway, String kindAndVerb, String body, int seconds) throws Exception {
        Process rr = new ProcessBuilder("mosquitto_rr", "-p", String.valueOf(broker.port), "-q", "1",
                "-t", "it/" + gateway + "/" + kindAndVerb, "-e", "it/test/replies/" + System.nanoTime(), "-m", body, "-W", String.valueOf(seconds))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String reply = new String(rr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue("mosquitto_rr finished", rr.waitFor(seconds + 5, TimeUnit.SECONDS));
        return rr.exitValue() == 0 ? Json.object(reply.getBytes(StandardCharsets.UTF_8)) : null;
    }

    private static Map<?, ?> error(Map<String, Object> reply) {
        assertEquals(reply.toString(), false, reply.get("ok"));
        return (Map<?, ?>) reply.get("error");
    }

    private static void assertProblem(Map<String, Object> reply, String property, String says) {
        Map<?, ?> error = error(reply);
        assertEquals(reply.toString(), "invalid", error.get("kind"));
        List<?> problems = (List<?>) error.get("problems");
        assertTrue(reply.toString(), problems.stream().map(p -> (Map<?, ?>) p)
                .anyMatch(p -> p.get("property").equals(property) && p.get("message").toString().contains(says)));
    }

    private static Map<?, ?> schema(Map<String, Object> list, String pid) {
        return ((List<?>) list.get("result")).stream().map(s -> (Map<?, ?>) s).filter(s -> s.get("pid").equals(pid))
                .findFirst().orElseThrow();
    }

    private static Map<?, ?> property(Map<?, ?> schema, String id) {
        return ((List<?>) schema.get("properties")).stream().map(p -> (Map<?, ?>) p).filter(p -> p.get("id").equals(id))
                .findFirst().orElseThrow();
    }

    /** The first line a bridge sends to a client that connects. */
    private static String readLine(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Each line a message, published in order by one MQTT 3.1.1 client. */
    private void publishLines(String topic, String lines) throws Exception {
        Process pub = new ProcessBuilder("mosquitto_pub", "-V", "mqttv311", "-p", String.valueOf(broker.port), "-q", "1",
                "-t", topic, "-l").redirectErrorStream(true).start();
        pub.getOutputStream().write(lines.getBytes(StandardCharsets.UTF_8));
        pub.getOutputStream().close();
        assertTrue(pub.waitFor(10, TimeUnit.SECONDS));
    }

    private void publish311(String topic, String body) throws Exception {
        Process pub = new ProcessBuilder("mosquitto_pub", "-V", "mqttv311", "-p", String.valueOf(broker.port), "-q", "1",
                "-t", topic, "-m", body).redirectErrorStream(true).start();
        assertTrue(pub.waitFor(10, TimeUnit.SECONDS));
        assertEquals(new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8), 0, pub.exitValue());
    }
}
