package dev.outrigger.bridge;

import static dev.outrigger.bridge.ConfiguredBridgeTest.connect;
import static dev.outrigger.bridge.ConfiguredBridgeTest.freePort;
import static dev.outrigger.bridge.ConfiguredBridgeTest.toldWhy;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.net.ConnectException;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.framework.Configs;

public class AutoBridgesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theAllowListKeepsOtherClientsOutAndABadOneOpensNothing() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath())) {
            int port = freePort();
            AutoBridges elsewhere = auto(Map.of("allow", new String[] { "192.168.1.0/24" }));
            try {
                elsewhere.addDevice(BridgeTest.device("stick", pty.device.toRealPath().toString(), Role.BRIDGE, port));
                assertEquals("outrigger: stick: address 127.0.0.1 is not allowed\r\n", toldWhy(port));
            } finally {
                elsewhere.deactivate();
            }
            AutoBridges typo = auto(Map.of("allow", new String[] { "192.168.1.0/33" }));
            try {
                typo.addDevice(BridgeTest.device("stick", pty.device.toRealPath().toString(), Role.BRIDGE, port));
                assertThrows(ConnectException.class, () -> connect(port).close());
            } finally {
                typo.deactivate();
            }
        }
    }

    private static AutoBridges auto(Map<String, Object> values) {
        return new AutoBridges(Configs.of(AutoBridges.Config.class, values), new Bridges());
    }
}
