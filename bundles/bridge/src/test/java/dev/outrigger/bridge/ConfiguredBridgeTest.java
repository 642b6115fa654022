package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.Await;
import dev.outrigger.framework.Configs;
import dev.outrigger.framework.Ports;
import dev.outrigger.tls.PemTls;
import dev.outrigger.tls.TestCertificates;

public class ConfiguredBridgeTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void aDeviceThatARadioOrGpsReceiverReadsIsLeftToItUntilItsRoleChanges() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath())) {
            int port = Ports.free();
            ConfiguredBridge configured = configured(Map.of("device", "test-device", "port", port));
            try {
                SerialDevice radio = BridgeTest.device(pty.device.toRealPath().toString(), Role.MESHTASTIC);
                configured.addDevice(radio);
                assertEquals("outrigger: test-device: device not present\r\n", toldWhy(port));

                configured.removeDevice(radio);
                configured.addDevice(BridgeTest.device(pty.device.toRealPath().toString(), Role.IGNORE));
                assertBridged(port, pty);
            } finally {
                configured.deactivate();
            }
        }
    }

    /** Two sticks alike, selected by what they share: always the same one, whichever came first. */
    @Test
    public void aSelectorThatFitsSeveralDevicesTakesTheFirstById() throws Exception {
        try (PtyPair first = new PtyPair(folder.newFolder("b").toPath()); PtyPair second = new PtyPair(folder.newFolder("a").toPath())) {
            int port = Ports.free();
            ConfiguredBridge configured = configured(Map.of("device", "ttyTEST", "port", port));
            try {
                configured.addDevice(BridgeTest.device("b-stick", first.device.toRealPath().toString(), Role.BRIDGE));
                configured.addDevice(BridgeTest.device("a-stick", second.device.toRealPath().toString(), Role.BRIDGE));
                assertBridged(port, second);
            } finally {
                configured.deactivate();
            }
        }
    }

    @Test
    public void onlyAllowedClientsAreTakenAndABadAllowListOpensNothing() throws Exception {
        int port = Ports.free();
        ConfiguredBridge elsewhere = configured(Map.of("device", "test-device", "port", port, "allow", new String[] { "10.0.0.0/8" }));
        try {
            assertEquals("outrigger: test-device: address 127.0.0.1 is not allowed\r\n", toldWhy(port));
        } finally {
            elsewhere.deactivate();
        }
        ConfiguredBridge typo = configured(Map.of("device", "test-device", "port", port, "allow", new String[] { "10.0.0.0/80" }));
        try {
            assertThrows(ConnectException.class, () -> connect(port).close());
        } finally {
            typo.deactivate();
        }
    }

    /** A certificate still to be issued (cert-manager, an ACME client) when the bridge starts. */
    @Test
    public void tlsFilesThatAreNotThereYetAreWaitedFor() throws Exception {
        TestCertificates issued = new TestCertificates(folder.newFolder("issued").toPath());
        Path cert = folder.getRoot().toPath().resolve("bridge.pem");
        Path key = folder.getRoot().toPath().resolve("bridge.key");
        int port = Ports.free();
        ConfiguredBridge configured = configured(Map.of("device", "test-device", "port", port, "tlsCertFile", cert.toString(),
                "tlsKeyFile", key.toString()));
        try {
            assertThrows(ConnectException.class, () -> connect(port).close());
            Files.copy(issued.key("server"), key);
            Files.copy(issued.cert("server"), cert);
            SSLContext client = PemTls.context(issued.ca().toString(), "", "");
            Await.until("listening with TLS once the files are there", Duration.ofSeconds(10), () -> handshakes(client, port));

            // renewed (by another CA here, so that only the new certificate passes): the next client gets it, no re-bind
            TestCertificates renewed = new TestCertificates(folder.newFolder("renewed").toPath());
            Files.copy(renewed.key("server"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.cert("server"), cert, StandardCopyOption.REPLACE_EXISTING);
            SSLContext trustingTheRenewed = PemTls.context(renewed.ca().toString(), "", "");
            Await.until("the renewed certificate presented", Duration.ofSeconds(10), () -> handshakes(trustingTheRenewed, port));
        } finally {
            configured.deactivate();
        }
    }

    /** Whether a TLS client gets through a handshake on the port. */
    private static boolean handshakes(SSLContext client, int port) {
        try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.startHandshake();
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static ConfiguredBridge configured(Map<String, Object> values) {
        return new ConfiguredBridge(Configs.of(ConfiguredBridge.Config.class, values), new Bridges());
    }

    /** The line a client the bridge will not take is told before it is closed. */
    static String toldWhy(int port) throws IOException {
        try (Socket client = connect(port)) {
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A byte a client sends reaches this pseudo-terminal's device side. */
    static void assertBridged(int port, PtyPair pty) throws Exception {
        try (Socket client = connect(port); InputStream peer = Files.newInputStream(pty.peer.toRealPath())) {
            client.getOutputStream().write('x');
            assertEquals('x', PtyPair.readFully(peer, 1)[0]);
        }
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5_000);
        return s;
    }

}
