package dev.outrigger.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.After;
import org.junit.Test;

import dev.outrigger.framework.Await;
import dev.outrigger.framework.Configs;

/** Connection failures a user meets, each said in words. */
public class MqttConnectionTest {

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

    private void activate(String broker) throws Exception {
        connection.activate(Configs.of(MqttConfig.class, Map.of("broker", broker, "gatewayId", "test",
                "reconnectMinMillis", 100, "reconnectMaxMillis", 500, "connectTimeoutSeconds", 1)));
    }
}
