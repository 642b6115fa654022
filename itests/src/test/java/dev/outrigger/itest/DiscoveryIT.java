package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Collection;
import java.util.Dictionary;

import java.util.Locale;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import dev.outrigger.bridge.PtyPair;
import dev.outrigger.device.Board;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.discovery.FakeSysfs;
import dev.outrigger.framework.bundles.BundleUpdate;

/**
 * The discovery bundle in the runtime, on a fake sysfs and /dev: services appear and disappear
 * live as devices are plugged and unplugged, keep their identity across a replug, and are
 * re-registered without leaks when the bundle is updated.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DiscoveryIT {

    private static final String SONOFF_ID = "usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_9a1b-if00-port0";

    @Inject
    private BundleContext context;
    @Inject
    private org.osgi.service.cm.ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() throws IOException {
        return PaxRuntime.options("outrigger-discovery-it", "core", "serial").toArray(Option[]::new);
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

    private FakeSysfs tree() {
        return new FakeSysfs(Path.of(System.getProperty("test.root")));
    }

    @Test
    public void devicesAppearAndDisappearLiveAndKeepTheirIdentityAcrossAReplug() throws Exception {
        FakeSysfs tree = tree();
        awaitConfigured(tree);

        long plugged = System.nanoTime();
        tree.plugUsbSerial("ttyUSB0", "1-3", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "9a1b", "cp210x");
        Await.until("the Sonoff's service", Duration.ofSeconds(5), () -> device(SONOFF_ID) != null);
        System.out.printf(Locale.ROOT, "discovery: plug to SerialDevice registered in %d ms%n",
                (System.nanoTime() - plugged) / 1_000_000);
        ServiceReference<SerialDevice> ref = device(SONOFF_ID);
        assertEquals("bridge", ref.getProperty(SerialDevice.ROLE));
        assertEquals("10c4", ref.getProperty(SerialDevice.VENDOR_ID));
        assertEquals(tree.dev.resolve("ttyUSB0").toString(), ref.getProperty(SerialDevice.PATH));
        assertEquals(1, context.getServiceReferences(SerialDevice.class, "(device.role=bridge)").size());

        long unplugged = System.nanoTime();
        tree.unplug("ttyUSB0");
        Await.until("the service gone", Duration.ofSeconds(5), () -> device(SONOFF_ID) == null);
        System.out.printf(Locale.ROOT, "discovery: unplug to SerialDevice unregistered in %d ms%n",
                (System.nanoTime() - unplugged) / 1_000_000);

        // back on another port number, and a few quick replugs: one service, the same identity
        for (int i = 0; i < 5; i++) {
            tree.plugUsbSerial("ttyUSB1", "1-3", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "9a1b", "cp210x");
            tree.unplug("ttyUSB1");
        }
        tree.plugUsbSerial("ttyUSB1", "1-3", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "9a1b", "cp210x");
        Await.until("the Sonoff back on ttyUSB1", Duration.ofSeconds(5), () -> {
            ServiceReference<SerialDevice> r = device(SONOFF_ID);
            return r != null && tree.dev.resolve("ttyUSB1").toString().equals(r.getProperty(SerialDevice.PATH));
        });
        Await.until("no stale or duplicate services", Duration.ofSeconds(3),
                () -> context.getServiceReferences(SerialDevice.class, "(device.vendor=10c4)").size() == 1);
        tree.unplug("ttyUSB1");
        Await.until("the Sonoff gone", Duration.ofSeconds(5), () -> device(SONOFF_ID) == null);
    }

    @Test
    public void updatingTheBundleReRegistersTheDevicesWithoutLeakingThreads() throws Exception {
        FakeSysfs tree = tree();
        awaitConfigured(tree);
        tree.plugCdcAcm("ttyACM0", "1-2", "239a", "8029", "RAKwireless", "WisCore RAK4631 Board", "E5F1");
        Await.until("the radio", Duration.ofSeconds(5), () -> device("usb-RAKwireless_WisCore_RAK4631_Board_E5F1-if00") != null);
        long before = (Long) device("usb-RAKwireless_WisCore_RAK4631_Board_E5F1-if00").getProperty(Constants.SERVICE_ID);
        assertEquals("meshtastic", device("usb-RAKwireless_WisCore_RAK4631_Board_E5F1-if00").getProperty(SerialDevice.ROLE));
        List<String> threads = PaxRuntime.threadsNamed("outrigger-discovery");

        Bundle discovery = PaxRuntime.bundleNamed(context, "dev.outrigger.discovery");
        for (int i = 0; i < 3; i++) {
            BundleUpdate.update(discovery, Optional.empty());
        }
        Await.until("the radio re-registered by the updated bundle", Duration.ofSeconds(10), () -> {
            ServiceReference<SerialDevice> r = device("usb-RAKwireless_WisCore_RAK4631_Board_E5F1-if00");
            return r != null && !r.getProperty(Constants.SERVICE_ID).equals(before);
        });
        assertEquals("one service per device after three updates", 1,
                context.getServiceReferences(SerialDevice.class, "(device.vendor=239a)").size());
        Await.until("discovery threads back to " + threads, Duration.ofSeconds(5),
                () -> PaxRuntime.threadsNamed("outrigger-discovery").equals(threads));
        assertTrue(!threads.isEmpty());
        tree.unplug("ttyACM0");
        Await.until("the radio gone", Duration.ofSeconds(5), () -> device("usb-RAKwireless_WisCore_RAK4631_Board_E5F1-if00") == null);
    }

    @Test
    public void aProfileChangeReEvaluatesPresentDevicesLive() throws Exception {
        FakeSysfs tree = tree();
        awaitConfigured(tree);
        tree.plugUsbSerial("ttyUSB3", "1-5", "10c4", "ea60", "Silicon Labs", "CP2102 USB to UART Bridge Controller", "0001", "cp210x");
        String id = "usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0";
        Await.until("the generic CP2102", Duration.ofSeconds(5), () -> device(id) != null);
        assertEquals("nothing claims a generic CP2102", "ignore", device(id).getProperty(SerialDevice.ROLE));

        Path profile = Path.of(System.getProperty("test.root"), "etc", "dev.outrigger.discovery.profile-console.cfg");
        Files.writeString(profile, "device = " + id + "\nrole = bridge\nbaud = 9600\nport = 7000\n");
        Await.until("the profile applied", Duration.ofSeconds(5), () -> "bridge".equals(device(id).getProperty(SerialDevice.ROLE)));
        SerialDevice d = context.getService(device(id));
        assertEquals(9600, d.settings().baud());
        assertEquals(7000, d.suggestedPort());
        assertEquals("console", d.profile());

        Files.delete(profile);
        Await.until("back to ignore", Duration.ofSeconds(5), () -> "ignore".equals(device(id).getProperty(SerialDevice.ROLE)));
        tree.unplug("ttyUSB3");
        Await.until("gone", Duration.ofSeconds(5), () -> device(id) == null);
    }

    /**
     * A discovery setting that concerns one device (unknownRole, here) registers that device anew
     * and leaves the others and the board registered: an automatic bridge's clients, a radio's
     * session, the Node's labels do not go and come back for it.
     */
    @Test
    public void aSettingChangeLeavesTheDevicesItDoesNotConcernAndTheBoardRegistered() throws Exception {
        FakeSysfs tree = tree();
        awaitConfigured(tree);
        tree.plugUsbSerial("ttyUSB4", "1-6", "10c4", "ea60", "ITead", "Sonoff Zigbee 3.0 USB Dongle Plus", "9a1b", "cp210x");
        tree.plugUsbSerial("ttyUSB5", "1-7", "10c4", "ea60", "Silicon Labs", "CP2102 USB to UART Bridge Controller", "0002", "cp210x");
        String generic = "usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0002-if00-port0";
        Await.until("both sticks", Duration.ofSeconds(5), () -> device(SONOFF_ID) != null && device(generic) != null);
        Object sonoff = device(SONOFF_ID).getProperty(Constants.SERVICE_ID);
        Object board = context.getServiceReference(Board.class).getProperty(Constants.SERVICE_ID);
        org.osgi.service.cm.Configuration discovery = configAdmin.getConfiguration("dev.outrigger.discovery", "?");
        try {
            Dictionary<String, Object> changed = discovery.getProperties();
            changed.put("unknownRole", "bridge");
            discovery.update(changed);
            Await.until("the unknown stick given role bridge", Duration.ofSeconds(10),
                    () -> "bridge".equals(device(generic).getProperty(SerialDevice.ROLE)));
            assertEquals("the Sonoff's service is the one it had", sonoff, device(SONOFF_ID).getProperty(Constants.SERVICE_ID));
            assertEquals("the board's service is the one it had", board,
                    context.getServiceReference(Board.class).getProperty(Constants.SERVICE_ID));
        } finally {
            Dictionary<String, Object> restored = discovery.getProperties();
            restored.remove("unknownRole");
            discovery.update(restored);
            Await.until("the unknown stick ignored again", Duration.ofSeconds(10),
                    () -> "ignore".equals(device(generic).getProperty(SerialDevice.ROLE)));
            tree.unplug("ttyUSB4");
            tree.unplug("ttyUSB5");
            Await.until("both gone", Duration.ofSeconds(5), () -> device(SONOFF_ID) == null && device(generic) == null);
        }
    }

    /** With nothing that asks for the board (no MQTT, no Kubernetes), it is looked at all the same. */
    @Test
    public void theBoardIsLookedAtFromTheStartWithoutAnyoneAsking() throws Exception {
        awaitConfigured(tree());
        ServiceComponentRuntime scr = context.getService(context.getServiceReference(ServiceComponentRuntime.class));
        ComponentDescriptionDTO board = scr.getComponentDescriptionDTO(PaxRuntime.bundleNamed(context, "dev.outrigger.discovery"),
                "dev.outrigger.discovery.BoardInfo");
        Await.until("the board's component active", Duration.ofSeconds(10), () -> scr.getComponentConfigurationDTOs(board)
                .stream().anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE));
    }

    /**
     * The board's UART the kernel's console is on (a Pi's serial0 before the console is turned
     * off) says so in device:show: a receiver or stick on it gets boot messages and a login prompt.
     */
    @Test
    public void theUartOfTheKernelsConsoleIsMarked() throws Exception {
        FakeSysfs tree = tree();
        awaitConfigured(tree);
        tree.consoleOn("tty1", "ttyAMA2");
        tree.addPlatformUart("ttyAMA2", "fe201600.serial", "uart-pl011", true);
        Await.until("the console's UART", Duration.ofSeconds(5), () -> device("ttyAMA2") != null);
        Object commands = context.getService(context.getServiceReference("dev.outrigger.discovery.DeviceCommands"));
        java.lang.reflect.Method show = commands.getClass().getMethod("show", String.class);
        String console = (String) show.invoke(commands, "ttyAMA2");
        assertTrue(console, console.contains("console       yes: the kernel's console writes to this port"));
        String other = (String) show.invoke(commands, "ttyAMA0");
        assertFalse(other, other.contains("console"));

        tree.unplug("ttyAMA2");
        Await.until("gone", Duration.ofSeconds(5), () -> device("ttyAMA2") == null);
    }

    /**
     * A path listed in devicePaths whose folder does not exist yet (a socat service that makes its
     * folder when it starts, and removes it when it stops) is found as soon as it appears, not at
     * the next periodic rescan; so it is after its folder was removed and made again.
     */
    @Test
    public void aListedPathInAFolderMadeLaterIsFoundAtOnce() throws Exception {
        awaitConfigured(tree());
        Path root = PaxRuntime.root();
        Path later = root.resolve("later");
        Path link = later.resolve("socat/ttyDEVICE");
        org.osgi.service.cm.Configuration discovery = configAdmin.getConfiguration("dev.outrigger.discovery", "?");
        PtyPair present = new PtyPair(Files.createDirectories(root.resolve("present")));
        PtyPair made = null;
        try {
            Dictionary<String, Object> listed = discovery.getProperties();
            listed.put("devicePaths", new String[] { present.device.toString(), link.toString() });
            discovery.update(listed);
            Await.until("the list applied: the pty present listed", Duration.ofSeconds(10), () -> deviceAt(present.device) != null);
            for (int round = 0; round < 2; round++) {
                long started = System.nanoTime();
                made = new PtyPair(Files.createDirectories(link.getParent()));
                Await.until("the pty in the folder made later listed", Duration.ofSeconds(5), () -> deviceAt(link) != null);
                System.out.printf(Locale.ROOT, "discovery: a listed pty in a folder made later found in %d ms%n",
                        (System.nanoTime() - started) / 1_000_000);
                made.close();
                Await.until("the pty gone", Duration.ofSeconds(5), () -> deviceAt(link) == null);
                PaxRuntime.deleteTree(later);
            }
        } finally {
            if (made != null) {
                made.close();
            }
            Dictionary<String, Object> unlisted = discovery.getProperties();
            unlisted.remove("devicePaths");
            discovery.update(unlisted);
            // the pty still there and no longer listed: discovery runs on the list without it, and the
            // next test does not change the tree while it starts over
            Await.until("the list without the paths applied", Duration.ofSeconds(10), () -> deviceAt(present.device) == null);
            present.close();
        }
    }

    /** The component runs on the fake tree once its configuration file has been applied. */
    private void awaitConfigured(FakeSysfs tree) throws Exception {
        tree.addPlatformUart("ttyAMA0", "fe201000.serial", "uart-pl011", true);
        Await.until("discovery on the fake tree", Duration.ofSeconds(10), () -> device("ttyAMA0") != null);
        assertNotEquals("ignore is the default for a bare UART", "bridge", device("ttyAMA0").getProperty(SerialDevice.ROLE));
    }

    private ServiceReference<SerialDevice> deviceAt(Path path) throws Exception {
        Collection<ServiceReference<SerialDevice>> refs = context.getServiceReferences(SerialDevice.class,
                "(" + SerialDevice.PATH + "=" + path + ")");
        return refs.isEmpty() ? null : refs.iterator().next();
    }

    private ServiceReference<SerialDevice> device(String id) throws Exception {
        Collection<ServiceReference<SerialDevice>> refs = context.getServiceReferences(SerialDevice.class, "(device.id=" + id + ")");
        return refs.isEmpty() ? null : refs.iterator().next();
    }
}
