package dev.outrigger.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.net.NetworkNamespace;

/**
 * Hosts that vanish without a word, as one does when it loses power or leaves the Wi-Fi: nothing
 * more comes from it, not even a reset. Each stands on a network namespace of its own, which the
 * test takes off the network and puts back.
 */
public class VanishedHostsProcessIT {

    @Rule
    public final GatewayFolder folder = new GatewayFolder();

    private GatewayProcess gateway;
    private NetworkNamespace other;
    private Mosquitto broker;

    @Before
    public void gatewayAndAnotherHost() throws Exception {
        other = NetworkNamespace.create();
        gateway = folder.gateway("outrigger");
    }

    @After
    public void removeTheOtherHost() throws Exception {
        if (broker != null) {
            broker.close();
        }
        other.close();
    }

    /**
     * zigbee2mqtt's host loses power. With ser2net its connection to the stick's port stays open
     * for hours, and the host, back, is turned away as busy (ser2net issue #33). The gateway probes
     * a quiet client, closes the one that no longer answers, and serves the host once it is back.
     */
    @Test
    public void aClientWhoseHostLostPowerIsClosedAndTheHostBackIsServed() throws Exception {
        try (PtyPair pty = new PtyPair(folder.newFolder("pty").toPath())) {
            int port = Ports.free();
            String listen = other.hostAddress + ":" + port;
            gateway.start();
            assertEquals(0, gateway.shell("feature:install serial").status());
            Files.writeString(gateway.home.resolve("etc/dev.outrigger.discovery.cfg"), "devicePaths = " + pty.device + "\n");
            Files.writeString(gateway.home.resolve("etc/dev.outrigger.bridge-zigbee.cfg"), "device = " + pty.device
                    + "\nport = " + port + "\nbind = " + other.hostAddress + "\nallow = " + other.address
                    + "\npolicy = share\nmaxClients = 1\nkeepAliveSeconds = 2\n");
            Await.until("the bridge listening for the other host", Duration.ofSeconds(10),
                    () -> clients(listen) == 0);

            // a client that connects and keeps quiet, as zigbee2mqtt between two messages
            other.start(new ProcessBuilder("socat", "-u", "TCP:" + listen, "OPEN:/dev/null"));
            Await.until("the quiet client connected", Duration.ofSeconds(10), () -> clients(listen) == 1);
            assertTrue("a second one is turned away while it is", said(other.start(new ProcessBuilder("socat", "-u",
                    "TCP:" + listen, "-"))).contains("busy: 1 client(s) connected"));

            other.cut();
            long cut = System.nanoTime();
            Await.until("the client that stopped answering closed", Duration.ofSeconds(15),
                    () -> clients(listen) == 0);
            System.out.printf(Locale.ROOT, "bridge: a client whose host vanished closed %d ms after (keepAliveSeconds 2)%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut));
            assertTrue(gateway.log(), gateway.log().contains("client /" + other.address)
                    && gateway.log().contains(": the other end stopped answering (its host off, or the network between gone); closed"));

            other.restore();
            Process back = other.start(new ProcessBuilder("socat", "-", "TCP:" + listen));
            try (OutputStream toStick = back.getOutputStream(); FileInputStream stick = new FileInputStream(pty.peer.toRealPath().toFile())) {
                toStick.write("ping".getBytes(StandardCharsets.US_ASCII));
                toStick.flush();
                assertArrayEquals("the host back is served", "ping".getBytes(StandardCharsets.US_ASCII), PtyPair.readFully(stick, 4));
            }
        }
    }

    /**
     * The car leaves the Wi-Fi in the middle of a connection to its broker: the keep-alive finds the
     * connection lost, records wait in the outbox meanwhile, and once the broker can be reached
     * again every one arrives, and the retained status says online.
     */
    @Test
    public void anUplinkThatWentSilentIsFoundLostAndLosesNothing() throws Exception {
        broker = Mosquitto.on(other, folder.newFolder("broker").toPath()).start();
        // on the broker's own host, which never loses it
        Set<String> received = lines(other.start(new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p",
                String.valueOf(broker.port), "-q", "1", "-t", "it/gw/data/#")));
        gateway.start();
        Files.writeString(gateway.home.resolve("etc/dev.outrigger.mqtt.cfg"), "broker = " + broker.uri()
                + "\nroot = it\ngatewayId = gw\nkeepAliveSeconds = 2\nconnectTimeoutSeconds = 2\n"
                + "reconnectMinMillis = 100\nreconnectMaxMillis = 1000\n");
        assertEquals(0, gateway.shell("feature:install mqtt").status());
        Jars.place(Distribution.FIXTURE, gateway.home.resolve("deploy/fixture.jar"));
        Await.until("the fixture's producer", Duration.ofSeconds(10), () -> gateway.shell("fixture:produce 0").status() == 0);
        produce(100);
        Await.until("the first 100 records at the broker", Duration.ofSeconds(15), () -> received.size() == 100);

        other.cut();
        long cut = System.nanoTime();
        produce(100);
        Await.until("the connection found lost", Duration.ofSeconds(15),
                () -> gateway.shell("mqtt:status").output().startsWith("state       disconnected"));
        System.out.printf(Locale.ROOT, "mqtt: a broker gone silent found lost %d ms after (keepAliveSeconds 2)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut));
        Await.until("the loss said in the log", Duration.ofSeconds(5),
                () -> gateway.log().contains("MQTT: connection to " + broker.uri() + " lost: "));

        other.restore();
        Await.until("all 200 records at the broker", Duration.ofSeconds(20), () -> received.size() == 200);
        Await.until("an empty outbox", Duration.ofSeconds(10),
                () -> gateway.shell("outbox:stats").output().matches("(?s).*depth\\s+0\\b.*"));
        String status = said(other.start(new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p",
                String.valueOf(broker.port), "-C", "1", "-W", "5", "-t", "it/gw/status")));
        assertTrue(status, status.contains("\"state\":\"online\""));
        assertFalse("every failure in words: " + gateway.log(), gateway.log().contains("Untranslated"));
    }

    private void produce(int records) throws Exception {
        GatewayProcess.Result produced = gateway.shell("fixture:produce " + records);
        assertTrue(produced.output(), produced.status() == 0 && produced.output().contains(records + " appended"));
    }

    /** The CLIENTS column of the bridge listening there, or -1 while there is none. */
    private int clients(String listen) throws Exception {
        return gateway.shell("bridge:list").output().lines().filter(l -> l.startsWith(listen + " "))
                .map(l -> Integer.parseInt(Pattern.compile("\\s+").split(l)[3])).findFirst().orElse(-1);
    }

    /** All a process printed, once it ended (within 10 s). */
    private static String said(Process p) throws Exception {
        assertTrue("ended within 10 s", p.waitFor(10, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The lines a process prints, as they come. */
    private static Set<String> lines(Process p) {
        Set<String> lines = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
            } catch (IOException | UncheckedIOException ended) {
                // with the process
            }
        }, "lines of " + p.pid());
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
