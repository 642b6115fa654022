package dev.outrigger.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.Configs;
import dev.outrigger.framework.Ports;

/** Connection failures a user meets, each said in words. */
public class MqttConnectionTest {

    @Rule
    public TemporaryFolder temporary = new TemporaryFolder();

    private final MqttConnection connection = new MqttConnection();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private ServerSocket server;

    @After
    public void stop() throws IOException {
        connection.deactivate();
        if (server != null) {
            server.close();
        }
        for (Socket s : accepted) {
            s.close();
        }
    }

    /** Something else listens there (a radio's API, a web server): it takes the connection, never answers. */
    @Test
    public void aServerThatNeverAnswersTheConnectIsGivenUpOn() throws Exception {
        activate("tcp://127.0.0.1:" + listen(true));
        Await.until("the attempt given up", Duration.ofSeconds(10),
                () -> connection.lastError().endsWith("no MQTT answer within 6 s (is that a broker's port?)"));
    }

    /** mosquitto's TLS listener, spoken to with tcp://, closes the connection (a reset or an end, as it comes). */
    @Test
    public void aServerThatHangsUpBeforeAnsweringIsSaidSo() throws Exception {
        activate("tcp://127.0.0.1:" + listen(false));
        Await.until("the failure", Duration.ofSeconds(10), () -> connection.lastError().endsWith(": the connection was closed"
                + " before the broker answered: is that port TLS (ssl://, as 8883 usually is), or no MQTT broker's? Or does the"
                + " broker refuse this client before MQTT (its max_connections)?"));
    }

    @Test
    public void anUnknownHostIsSaidSo() throws Exception {
        activate("tcp://no-such-broker.invalid:1883");
        Await.until("the failure", Duration.ofSeconds(10),
                () -> connection.lastError().endsWith(": unknown host no-such-broker.invalid"));
    }

    @Test
    public void tlsToAPlainPortIsSaidSo() throws Exception {
        activate("ssl://127.0.0.1:" + listen(false));
        Await.until("the failure", Duration.ofSeconds(10), () -> connection.lastError().contains(": TLS failed: "));
    }

    /** Another service on the port (an SSH server, say) greets first, in bytes that are no MQTT packet. */
    @Test
    public void aServerThatSpeaksSomethingElseIsSaidSo() throws Exception {
        activate("tcp://127.0.0.1:" + greet("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
        Await.until("the failure", Duration.ofSeconds(10), () -> connection.lastError().endsWith(
                ": the answer is no MQTT packet: is that port another service's, or TLS (ssl://, as 8883 usually is)?"));
    }

    /** mosquitto's plain listener, spoken to with ssl://, closes the connection as the handshake begins. */
    @Test
    public void tlsToAPlainMosquittoPortIsSaidSo() throws Exception {
        int port = Ports.free();
        Process mosquitto = mosquitto(port);
        try {
            activate("ssl://127.0.0.1:" + port);
            Await.until("the failure", Duration.ofSeconds(10), () -> connection.lastError().endsWith(": the connection was closed"
                    + " before the broker answered: is that port plain MQTT (tcp://, as 1883 usually is), or no MQTT broker's? Or does"
                    + " the broker refuse this client before MQTT (its max_connections)?"));
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor();
        }
    }

    /**
     * Stopped while the broker has not answered yet (the runtime stopping as it comes up, the bundle
     * updated, the configuration changed): the attempt ends with every thread Paho started for it,
     * before Paho's bundle could go and leave them with classes that cannot load.
     */
    @Test
    public void aStopWhileTheBrokerHasNotAnsweredLeavesNoThreadBehind() throws Exception {
        activate("tcp://127.0.0.1:" + listen(true), "stopping");
        Await.until("the CONNECT sent, its answer awaited", Duration.ofSeconds(10),
                () -> accepted.size() == 1 && !pahoThreads("outrigger-stopping").isEmpty());
        connection.deactivate();
        Await.until("no thread of the attempt left", Duration.ofSeconds(5), () -> pahoThreads("outrigger-stopping").isEmpty());
    }

    /**
     * Stopped at any moment of connecting to a real broker (mosquitto): before the TCP connection,
     * while Paho starts its threads, before the broker's answer, just after it. No thread of Paho's
     * outlives the stop: one that did would keep a second connection of the gateway, or die on
     * classes gone with Paho's bundle.
     */
    @Test
    public void stoppedAtAnyMomentOfConnectingItLeavesNoThreadBehind() throws Exception {
        int port = Ports.free();
        Process mosquitto = mosquitto(port);
        try {
            for (int moment = 0; moment < 150; moment += 5) {
                MqttConnection stopped = new MqttConnection();
                stopped.activate(config("tcp://127.0.0.1:" + port, "moments"));
                // not a wait for anything: the moment of the attempt at which it is stopped
                TimeUnit.MILLISECONDS.sleep(moment);
                stopped.deactivate();
            }
            Await.until("no thread of Paho's left", Duration.ofSeconds(5), () -> pahoThreads("outrigger-moments").isEmpty());
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor();
        }
    }


    /** A real broker, Debian's mosquitto, listening on the port once this returns. */
    private Process mosquitto(int port) throws Exception {
        Path folder = temporary.newFolder("mosquitto").toPath();
        Path conf = Files.writeString(folder.resolve("mosquitto.conf"), "user " + System.getProperty("user.name")
                + "\nlistener " + port + " 127.0.0.1\nallow_anonymous true\n");
        // by its path: /usr/sbin is on root's PATH only
        Process mosquitto = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(folder.resolve("mosquitto.log").toFile()).start();
        try {
            Await.until("mosquitto listening", Duration.ofSeconds(10), () -> accepts(port));
        } catch (AssertionError notListening) {
            mosquitto.destroyForcibly().waitFor();
            throw notListening;
        }
        return mosquitto;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static List<String> pahoThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("MQTT ") && name.endsWith(": " + clientId)).toList();
    }

    /** A server that takes connections and never says a word: holding them, or closing each at once. */
    private int listen(boolean hold) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    if (hold) {
                        accepted.add(s);
                    } else {
                        s.close();
                    }
                }
            } catch (IOException closed) {
                // the test is over
            }
        }).start();
        return server.getLocalPort();
    }

    /** A server that says this to each connection, then holds it. */
    private int greet(String greeting) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    s.getOutputStream().write(greeting.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            } catch (IOException closed) {
                // the test is over
            }
        }).start();
        return server.getLocalPort();
    }

    private void activate(String broker) throws Exception {
        activate(broker, "test");
    }

    private void activate(String broker, String gatewayId) throws Exception {
        connection.activate(config(broker, gatewayId));
    }

    private static MqttConfig config(String broker, String gatewayId) {
        return Configs.of(MqttConfig.class, Map.of("broker", broker, "gatewayId", gatewayId, "reconnectMinMillis", 100,
                "reconnectMaxMillis", 500, "connectTimeoutSeconds", 1));
    }
}
