package dev.outrigger.bridge;

import static dev.outrigger.bridge.ConfiguredBridgeTest.assertBridged;
import static dev.outrigger.bridge.ConfiguredBridgeTest.connect;
import static dev.outrigger.bridge.ConfiguredBridgeTest.toldWhy;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.net.ConnectException;
import java.nio.file.Path;
import java.util.Map;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.framework.Configs;
import dev.outrigger.framework.Ports;

public class AutoBridgesTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theAllowListKeepsOtherClientsOutAndABadOneOpensNothing() throws Exception {
        try (PtyPair pty = new PtyPair(folder.getRoot().toPath())) {
            int port = Ports.free();
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

    /** Two sticks of one kind want one port: the first keeps it, the second waits until it has its own. */
    @Test
    public void aSecondStickOfTheSameKindWaitsForAPortOfItsOwn() throws Exception {
        try (PtyPair first = new PtyPair(folder.newFolder("1").toPath()); PtyPair second = new PtyPair(folder.newFolder("2").toPath())) {
            int port = Ports.free();
            Bridges registry = new Bridges();
            AutoBridges auto = new AutoBridges(Configs.of(AutoBridges.Config.class, Map.of()), registry, book());
            try {
                auto.addDevice(BridgeTest.device("stick-1", first.device.toRealPath().toString(), Role.BRIDGE, port));
                SerialDevice waiting = BridgeTest.device("stick-2", second.device.toRealPath().toString(), Role.BRIDGE, port);
                auto.addDevice(waiting);
                assertBridged(port, first);
                assertEquals("no second bridge fighting for the port", 1, registry.all().size());
                assertEquals("bridge:list says why", Map.of("stick-2", new Bridges.KeptOff("port " + port + " is bridge stick-1's",
                        "stick-2")), registry.keptOff());

                // a device profile gives it a port of its own: discovery registers it anew
                int own = Ports.free();
                auto.removeDevice(waiting);
                auto.addDevice(BridgeTest.device("stick-2", second.device.toRealPath().toString(), Role.BRIDGE, own));
                assertBridged(own, second);
                assertBridged(port, first);
                assertEquals(Map.of(), registry.keptOff());
            } finally {
                auto.deactivate();
            }
        }
    }

    /**
     * Two sticks of one kind, both plugged in: the port stays with the one whose clients used it
     * (zigbee2mqtt's network lives on it), whichever discovery finds first after a restart; while
     * that one is away, the other may have it, and keeps it once its clients used it.
     */
    @Test
    public void theStickWhoseClientsUsedThePortKeepsItWhicheverIsFoundFirst() throws Exception {
        try (PtyPair first = new PtyPair(folder.newFolder("1").toPath()); PtyPair second = new PtyPair(folder.newFolder("2").toPath())) {
            int port = Ports.free();
            SerialDevice one = BridgeTest.device("stick-1", first.device.toRealPath().toString(), Role.BRIDGE, port);
            SerialDevice two = BridgeTest.device("stick-2", second.device.toRealPath().toString(), Role.BRIDGE, port);
            AutoBridges.Config config = Configs.of(AutoBridges.Config.class, Map.of());

            // a run with only the second plugged in, and a client using it
            AutoBridges auto = new AutoBridges(config, new Bridges(), book());
            auto.addDevice(two);
            assertBridged(port, second);
            auto.deactivate();

            // the next boot, both plugged in, the first found first: the port goes to the second
            Bridges registry = new Bridges();
            auto = new AutoBridges(config, registry, book());
            try {
                auto.addDevice(one);
                auto.addDevice(two);
                assertBridged(port, second);
                assertEquals(1, registry.all().size());
                assertEquals("bridge:list says why", Map.of("stick-1", new Bridges.KeptOff("port " + port
                        + " is kept for stick-2, whose clients used it last", "stick-1")),
                        registry.keptOff());
            } finally {
                auto.deactivate();
            }

            // a boot with the second away: the first has the port, and keeps it once a client used it
            registry = new Bridges();
            auto = new AutoBridges(config, registry, book());
            try {
                auto.addDevice(one);
                assertBridged(port, first);
                auto.addDevice(two);
                assertBridged(port, first);
                assertEquals(Map.of("stick-2", new Bridges.KeptOff("port " + port + " is kept for stick-1, whose clients used it last",
                        "stick-2")), registry.keptOff());
            } finally {
                auto.deactivate();
            }
        }
    }

    /**
     * Converters for a furnace's and a generator's RS-485, given role bridge by a profile without a
     * port: each gets one, and keeps it across a replug and a restart, whichever comes first.
     */
    @Test
    public void aDeviceWhoseProfileSuggestsNoPortIsGivenOneForGood() throws Exception {
        try (PtyPair furnaceLine = new PtyPair(folder.newFolder("furnace").toPath());
                PtyPair generatorLine = new PtyPair(folder.newFolder("generator").toPath())) {
            int first = Ports.free();
            Map<String, Object> from = Map.of("firstPort", first);
            SerialDevice furnace = BridgeTest.device("furnace", furnaceLine.device.toRealPath().toString(), Role.BRIDGE, 0);
            SerialDevice generator = BridgeTest.device("generator", generatorLine.device.toRealPath().toString(), Role.BRIDGE, 0);
            Bridges registry = new Bridges();
            AutoBridges auto = new AutoBridges(Configs.of(AutoBridges.Config.class, from), registry, book());
            int generatorPort;
            try {
                auto.addDevice(furnace);
                assertBridged(first, furnaceLine);
                auto.addDevice(generator);
                generatorPort = listening(registry, "generator");
                assertEquals("the next port", first + 1, generatorPort);
                auto.removeDevice(furnace);
                auto.addDevice(furnace);
                assertBridged(first, furnaceLine);
            } finally {
                auto.deactivate();
            }
            Bridges afterRestart = new Bridges();
            AutoBridges again = new AutoBridges(Configs.of(AutoBridges.Config.class, from), afterRestart, book());
            try {
                again.addDevice(generator);
                again.addDevice(furnace);
                assertEquals(generatorPort, listening(afterRestart, "generator"));
                assertBridged(first, furnaceLine);
            } finally {
                again.deactivate();
            }
        }
    }

    /** A configured bridge is what the user asked for: an automatic one on its port steps aside, and back. */
    @Test
    public void aConfiguredBridgeTakesTheAutomaticBridgesPortAndGivesItBack() throws Exception {
        try (PtyPair auto = new PtyPair(folder.newFolder("auto").toPath());
                PtyPair other = new PtyPair(folder.newFolder("other").toPath())) {
            int port = Ports.free();
            Bridges registry = new Bridges();
            AutoBridges automatic = new AutoBridges(Configs.of(AutoBridges.Config.class, Map.of()), registry, book());
            try {
                automatic.addDevice(BridgeTest.device("zigbee-stick", auto.device.toRealPath().toString(), Role.BRIDGE, port));
                assertBridged(port, auto);

                ConfiguredBridge configured = new ConfiguredBridge(
                        Configs.of(ConfiguredBridge.Config.class, Map.of("device", "rs485-adapter", "port", port)), registry);
                try {
                    configured.addDevice(BridgeTest.device("rs485-adapter", other.device.toRealPath().toString(), Role.IGNORE));
                    assertBridged(port, other);
                    assertEquals(1, registry.all().size());
                } finally {
                    configured.deactivate();
                }
                assertBridged(port, auto);
            } finally {
                automatic.deactivate();
            }
        }
    }

    private AutoBridges auto(Map<String, Object> values) {
        return new AutoBridges(Configs.of(AutoBridges.Config.class, values), new Bridges(), book());
    }

    private Path book() {
        return folder.getRoot().toPath().resolve("data/bridge/ports.properties");
    }

    private static int listening(Bridges registry, String name) {
        return registry.all().stream().filter(b -> b.options().name().equals(name)).findFirst().orElseThrow().options().port();
    }
}
