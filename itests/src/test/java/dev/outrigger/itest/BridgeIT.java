package dev.outrigger.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.Ports;
import dev.outrigger.framework.bundles.BundleUpdate;

/**
 * Discovery and the bridge together, on a fake sysfs whose /dev node is a real pseudo-terminal:
 * a profile gives the stick role bridge and a port, the bridge carries bytes both ways, closes its
 * client when the stick is unplugged and bridges again when it is back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BridgeIT {

    private static final String ID = "usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_77aa-if00-port0";

    @Inject
    private BundleContext context;
    @Inject
    private org.osgi.service.cm.ConfigurationAdmin configAdmin;
    @Inject
    private dev.outrigger.health.RuntimeHealth health;

    @Configuration
    public Option[] config() throws IOException {
        List<Option> options = PaxRuntime.options("outrigger-bridge-it", "core", "serial");
        options.add(systemProperty("test.port").value(Integer.toString(Ports.free())));
        return options.toArray(Option[]::new);
    }

    @org.junit.Before
    public void discoveryOnTheFakeTree() throws Exception {
        FakeSysfs tree = new FakeSysfs(PaxRuntime.root());
        PaxRuntime.discoveryOn(configAdmin, tree.sys, tree.dev);
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return PaxRuntime.withHelpers(probe);
    }

    @Test
    public void aBridgeIsCreatedChangedAndDeletedLiveFromItsConfigurationFile() throws Exception {
        Path root = Path.of(System.getProperty("test.root"));
        int port = Ports.free();
        Path cfg = root.resolve("etc/dev.outrigger.bridge-live.cfg");
        Files.writeString(cfg, "device = ttyNOTHERE\nport = " + port + "\n");
        String reason = Await.value("the configured bridge listening", Duration.ofSeconds(10), () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(2_000);
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            }
        });
        assertEquals("outrigger: ttyNOTHERE: device not present\r\n", reason);

        Files.writeString(cfg, "device = ttyNOTHERE\nport = " + port + "\nmode = rfc2217\n");
        Await.until("the bridge re-bound in rfc2217 mode", Duration.ofSeconds(10), () -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(2_000);
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("not present");
            }
        });

        Files.delete(cfg);
        Await.until("the bridge gone with its file", Duration.ofSeconds(10), () -> refused(port));
    }

    /**
     * Two RS-485 converters alike (CH340s without a serial number share their by-id name), each
     * bridged by the USB port it is plugged into: each bridge reaches its own, and unplugging one
     * leaves the other's client connected.
     */
    @Test
    public void twoSticksAlikeAreBridgedByTheUsbPortTheyArePluggedInto() throws Exception {
        Path root = Path.of(System.getProperty("test.root"));
        FakeSysfs tree = new FakeSysfs(root);
        String byId = "usb-1a86_USB_Serial-if00-port0";
        String left = "pci-0000:00:14.0-usb-0:2:1.0-port0";
        String right = "pci-0000:00:14.0-usb-0:3:1.0-port0";
        int leftPort = Ports.free();
        int rightPort = Ports.free();
        Path leftCfg = root.resolve("etc/dev.outrigger.bridge-meter-left.cfg");
        Path rightCfg = root.resolve("etc/dev.outrigger.bridge-meter-right.cfg");
        try (PtyPair leftPty = new PtyPair(Files.createDirectories(root.resolve("pty-left")));
                PtyPair rightPty = new PtyPair(Files.createDirectories(root.resolve("pty-right")));
                FileInputStream leftPeer = new FileInputStream(leftPty.peer.toRealPath().toFile());
                FileInputStream rightPeer = new FileInputStream(rightPty.peer.toRealPath().toFile())) {
            tree.wire("ttyUSB3", leftPty.device.toRealPath());
            tree.wire("ttyUSB4", rightPty.device.toRealPath());
            tree.plugUsbSerial("ttyUSB3", "1-2", "1a86", "7523", null, "USB Serial", null, "ch341");
            tree.plugUsbSerial("ttyUSB4", "1-3", "1a86", "7523", null, "USB Serial", null, "ch341");
            Files.writeString(leftCfg, "device = " + tree.dev.resolve("serial/by-path/" + left) + "\nport = " + leftPort + "\n");
            Files.writeString(rightCfg, "device = " + tree.dev.resolve("serial/by-path/" + right) + "\nport = " + rightPort + "\n");
            Await.until("both, told apart by their USB ports: " + byId, Duration.ofSeconds(10), () -> context
                    .getServiceReferences(dev.outrigger.device.SerialDevice.class, "(device.id=" + byId + "*)").size() == 2
                    && context.getServiceReferences(dev.outrigger.device.SerialDevice.class,
                            "(device.id=" + byId + "@" + right + ")").size() == 1);

            Socket toLeft = Await.value("the left one bridged", Duration.ofSeconds(10), () -> bridgedClient(leftPort));
            Socket toRight = Await.value("the right one bridged", Duration.ofSeconds(10), () -> bridgedClient(rightPort));
            toLeft.getOutputStream().write('L');
            toRight.getOutputStream().write('R');
            assertEquals('L', PtyPair.readFully(leftPeer, 1)[0]);
            assertEquals('R', PtyPair.readFully(rightPeer, 1)[0]);

            // the left one, which has the plain id, unplugged: the right one keeps its id, and its client
            tree.unplug("ttyUSB3");
            toLeft.setSoTimeout(10_000);
            assertTrue(new String(toLeft.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("device unplugged"));
            toLeft.close();
            toRight.getOutputStream().write('r');
            assertEquals('r', PtyPair.readFully(rightPeer, 1)[0]);
            Files.write(rightPty.peer.toRealPath(), new byte[] { '!' });
            assertEquals("still connected through the unplug of its twin", '!', toRight.getInputStream().read());
            toRight.close();

            tree.plugUsbSerial("ttyUSB3", "1-2", "1a86", "7523", null, "USB Serial", null, "ch341");
            Socket back = Await.value("the left one bridged again", Duration.ofSeconds(10), () -> bridgedClient(leftPort));
            back.getOutputStream().write('l');
            assertEquals('l', PtyPair.readFully(leftPeer, 1)[0]);
            back.close();
        } finally {
            Files.deleteIfExists(leftCfg);
            Files.deleteIfExists(rightCfg);
            for (String tty : List.of("ttyUSB3", "ttyUSB4")) {
                if (Files.exists(tree.sys.resolve("class/tty/" + tty), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    tree.unplug(tty);
                }
            }
        }
    }

    /** ser2net still on the port as the gateway takes over: the runtime is unhealthy, and says why, until it listens. */
    @Test
    public void aBridgeThatCannotListenIsAProblemOfTheRuntimeUntilItDoes() throws Exception {
        Path cfg = Path.of(System.getProperty("test.root")).resolve("etc/dev.outrigger.bridge-taken.cfg");
        int port;
        try (ServerSocket ser2net = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = ser2net.getLocalPort();
            Files.writeString(cfg, "device = ttyZIGBEE\nport = " + port + "\n");
            String problem = "Bridge ttyZIGBEE cannot listen on 127.0.0.1:" + port + " (Address already in use)";
            Await.until("health saying why", Duration.ofSeconds(10), () -> health.problems().contains(problem));
        }
        try {
            Await.until("listening once the port is free, and healthy", Duration.ofSeconds(10),
                    () -> !refused(port) && health.problems().stream().noneMatch(p -> p.startsWith("Bridge ttyZIGBEE")));
        } finally {
            Files.delete(cfg);
        }
    }

    /** The bridge bundle's threads by name, a client's by its address without its port (another after a reconnect). */
    private static List<String> bridgeThreads() {
        return PaxRuntime.threadsNamed("outrigger-bridge").stream().map(n -> n.replaceAll(":\\d+$", "")).toList();
    }

    /** The bridges offered as listening with their device present that fit the filter. */
    private int readyBridges(String filter) throws InvalidSyntaxException {
        return context.getServiceReferences(dev.outrigger.device.SerialBridge.class, filter).size();
    }

    @Test
    public void aStickWithRoleBridgeIsOnItsPortAndSurvivesAReplug() throws Exception {
        Path root = Path.of(System.getProperty("test.root"));
        int port = Integer.getInteger("test.port");
        FakeSysfs tree = new FakeSysfs(root);
        try (PtyPair pty = new PtyPair(Files.createDirectories(root.resolve("pty")))) {
            // on the fake tree for sure: a board UART there shows discovery reads it
            tree.addPlatformUart("ttyAMA0", "fe201000.serial", "uart-pl011", true);
            Await.until("discovery on the fake tree", Duration.ofSeconds(20), () -> !context
                    .getServiceReferences(dev.outrigger.device.SerialDevice.class, "(device.id=ttyAMA0)").isEmpty());
            configAdmin.getFactoryConfiguration("dev.outrigger.discovery.profile", "it", "?").update(new Hashtable<>(
                    Map.of("device", ID, "role", "bridge", "baud", 115200, "dtr", false, "rts", false, "port", port)));
            plug(tree, pty.device);
            try {
                Await.until("the stick with its profile's role and port", Duration.ofSeconds(10), () -> context
                        .getServiceReferences(dev.outrigger.device.SerialDevice.class, "(&(device.id=" + ID + ")(device.role=bridge)(device.profile=it))")
                        .size() == 1);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; devices: " + devices());
            }
            try (FileInputStream peer = new FileInputStream(pty.peer.toRealPath().toFile())) {
                Socket client = Await.value("the bridge answering with the stick present", Duration.ofSeconds(10),
                        () -> bridgedClient(port));
                client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), PtyPair.readFully(peer, 4));
                String labels = "{bridge=\"" + ID + "\",port=\"" + port + "\"";
                assertTrue(bridgeMetrics(), bridgeMetrics().contains("outrigger_bridge_clients" + labels + "} 1\n")
                        && bridgeMetrics().contains("outrigger_bridge_device_present" + labels + "} 1\n")
                        && bridgeMetrics().contains("outrigger_bridge_bytes_total" + labels + ",direction=\"to_device\"} 4\n"));
                String offered = "(&(bridge.port=" + port + ")(bridge.address=127.0.0.1)(device.id=" + ID + "))";
                Await.until("offered as a service, for the kube bundle to label its pod", Duration.ofSeconds(5),
                        () -> readyBridges(offered) == 1);
                Files.write(pty.peer.toRealPath(), new byte[] { 0x1a, (byte) 0x80, 0x00, 0x7e });
                assertArrayEquals(new byte[] { 0x1a, (byte) 0x80, 0x00, 0x7e }, PtyPair.readFully(client.getInputStream(), 4));

                tree.unplug("ttyUSB0");
                client.setSoTimeout(10_000);
                String told = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(told, told.contains("device unplugged"));
                client.close();
                Await.until("no longer offered with the stick gone", Duration.ofSeconds(5), () -> readyBridges(offered) == 0);

                plug(tree, pty.device);
                Socket again = Await.value("bridging again after the replug", Duration.ofSeconds(10), () -> bridgedClient(port));
                again.getOutputStream().write('!');
                assertEquals('!', PtyPair.readFully(peer, 1)[0]);

                // an update of the bundle closes every socket and brings the bridge back, and leaves no thread behind
                List<String> threads = bridgeThreads();
                long updated = System.nanoTime();
                BundleUpdate.update(PaxRuntime.bundleNamed(context, "dev.outrigger.bridge"), Optional.empty());
                again.setSoTimeout(10_000);
                assertEquals("the old connection is closed by the update", -1, drain(again.getInputStream()));
                again.close();
                Socket afterUpdate = Await.value("bridging after the bundle update", Duration.ofSeconds(10), () -> bridgedClient(port));
                System.out.printf(Locale.ROOT, "bridge: back %d ms after the bundle update%n",
                        (System.nanoTime() - updated) / 1_000_000);
                afterUpdate.getOutputStream().write('?');
                assertEquals('?', PtyPair.readFully(peer, 1)[0]);
                Await.until("offered by the updated bundle, once", Duration.ofSeconds(5), () -> readyBridges(offered) == 1);
                Await.until("the threads of before, no more: " + threads, Duration.ofSeconds(10),
                        () -> bridgeThreads().equals(threads));
                afterUpdate.close();

                // a bridge configured for the stick replaces its automatic one, until it is deleted
                int configuredPort = Ports.free();
                Path cfg = root.resolve("etc/dev.outrigger.bridge-mine.cfg");
                Files.writeString(cfg, "device = " + ID + "\nport = " + configuredPort + "\n");
                Socket configured = Await.value("the configured bridge", Duration.ofSeconds(10), () -> bridgedClient(configuredPort));
                configured.getOutputStream().write('#');
                assertEquals('#', PtyPair.readFully(peer, 1)[0]);
                configured.close();
                Await.until("the automatic bridge gone", Duration.ofSeconds(10), () -> refused(port));
                Files.delete(cfg);
                Await.value("the automatic bridge back", Duration.ofSeconds(10), () -> bridgedClient(port)).close();
                assertTrue(refused(configuredPort));
            }
        }
    }

    @Test
    public void aPseudoTerminalListedByPathIsBridgedWhileItExists() throws Exception {
        Path root = Path.of(System.getProperty("test.root"));
        int port = Ports.free();
        Path cfg = root.resolve("etc/dev.outrigger.bridge-listed.cfg");
        org.osgi.service.cm.Configuration discovery = configAdmin.getConfiguration("dev.outrigger.discovery", "?");
        PtyPair pty = new PtyPair(Files.createDirectories(root.resolve("listed")));
        try (FileInputStream peer = new FileInputStream(pty.peer.toRealPath().toFile())) {
            Files.writeString(cfg, "device = " + pty.device + "\nport = " + port + "\n");
            String reason = Await.value("the bridge listening", Duration.ofSeconds(10), () -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(2_000);
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            assertTrue(reason, reason.contains(pty.device + " exists, but discovery does not list it")
                    && reason.contains("devicePaths"));

            Dictionary<String, Object> listed = discovery.getProperties();
            listed.put("devicePaths", new String[] { pty.device.toString() });
            discovery.update(listed);
            Socket client = Await.value("the listed pty bridged", Duration.ofSeconds(10), () -> bridgedClient(port));
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), PtyPair.readFully(peer, 4));
            Files.write(pty.peer.toRealPath(), new byte[] { 0x7e, 0x00 });
            assertArrayEquals(new byte[] { 0x7e, 0x00 }, PtyPair.readFully(client.getInputStream(), 2));

            pty.close(); // socat gone, and its link with it: the port fails, or discovery sees it go first
            String told = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(told, told.contains("serial port failed") || told.contains("device unplugged"));
            client.close();
            Await.until("the listed pty gone", Duration.ofSeconds(10), () -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setSoTimeout(2_000);
                    return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                            .equals("outrigger: " + pty.device + ": device not present\r\n");
                }
            });
        } finally {
            pty.close();
            Files.deleteIfExists(cfg);
            Dictionary<String, Object> unlisted = discovery.getProperties();
            unlisted.remove("devicePaths");
            discovery.update(unlisted);
        }
    }

    /**
     * A connection the bridge has taken on, or null: while the stick is absent the bridge answers
     * with a reason line and closes, where a bridged connection stays silent.
     */
    private static Socket bridgedClient(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(300);
        try {
            s.getInputStream().read();
            s.close();
            return null;
        } catch (SocketTimeoutException silentSoBridged) {
            s.setSoTimeout(10_000);
            return s;
        }
    }

    private String devices() throws Exception {
        StringBuilder devices = new StringBuilder();
        for (var ref : context.getServiceReferences(dev.outrigger.device.SerialDevice.class, null)) {
            dev.outrigger.device.SerialDevice d = context.getService(ref);
            devices.append(d.id()).append(" at ").append(d.path()).append(" role ").append(d.role().key())
                    .append(" port ").append(d.suggestedPort()).append(" profile ").append(d.profile()).append("; ");
        }
        return devices.toString();
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    /** Reads until the end of the stream; returns -1 then. */
    private static int drain(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // the bridge's goodbye line
        }
        return -1;
    }

    /** What the bridge bundle adds to the runtime's /metrics. */
    private String bridgeMetrics() throws Exception {
        for (var ref : context.getServiceReferences(dev.outrigger.health.MetricSource.class, null)) {
            if (ref.getBundle().getSymbolicName().equals("dev.outrigger.bridge")) {
                return context.getService(ref).metrics();
            }
        }
        throw new AssertionError("the bridge bundle offers no metrics");
    }

    /** Plugs the stick into the fake tree, its /dev node being the pty. */
    private static void plug(FakeSysfs tree, Path pty) throws IOException {
        tree.wire("ttyUSB0", pty.toRealPath());
        tree.plugUsbSerial("ttyUSB0", "1-4", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "77aa", "cp210x");
    }
}
