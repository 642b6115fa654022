package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.Configs;

public class ConfiguredBridgeTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void aDeviceThatARadioOrGpsReceiverReadsIsLeftToItUntilItsRoleChanges() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath())) {
            int port = freePort();
            ConfiguredBridge configured = new ConfiguredBridge(Configs.of(ConfiguredBridge.Config.class,
                    Map.of("device", "test-device", "port", port)), new Bridges());
            try {
                SerialDevice radio = BridgeTest.device(pty.device.toRealPath().toString(), Role.MESHTASTIC);
                configured.addDevice(radio);
                try (Socket client = connect(port)) {
                    assertEquals("outrigger: test-device: device not present\r\n",
                            new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }

                configured.removeDevice(radio);
                configured.addDevice(BridgeTest.device(pty.device.toRealPath().toString(), Role.IGNORE));
                try (Socket client = connect(port); InputStream peer = java.nio.file.Files.newInputStream(pty.peer.toRealPath())) {
                    client.getOutputStream().write('x');
                    assertEquals('x', PtyPair.readFully(peer, 1)[0]);
                }
            } finally {
                configured.deactivate();
            }
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5_000);
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
