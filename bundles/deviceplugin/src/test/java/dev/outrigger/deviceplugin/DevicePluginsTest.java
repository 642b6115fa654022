package dev.outrigger.deviceplugin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;
import dev.outrigger.deviceplugin.proto.AllocateResponse;
import dev.outrigger.deviceplugin.proto.ContainerAllocateResponse;
import dev.outrigger.deviceplugin.proto.DeviceSpec;
import dev.outrigger.deviceplugin.proto.RegisterRequest;
import dev.outrigger.framework.Await;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

public class DevicePluginsTest {

    private static final String STICK = "usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_4c1a-if00-port0";

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private DevicePlugins plugins;
    private FakeKubelet kubelet;

    @After
    public void stop() throws Exception {
        if (plugins != null) {
            plugins.deactivate();
        }
        if (kubelet != null) {
            kubelet.close();
        }
    }

    @Test
    public void aDeviceWithRolePodIsAResourceTheKubeletHandsToAContainer() throws Exception {
        Path folder = tmp.newFolder("device-plugins").toPath();
        kubelet = new FakeKubelet(folder).start();
        plugins = new DevicePlugins(config(folder), tmp.newFolder("native").toPath());
        SerialDevice stick = device(STICK, "/dev/ttyUSB0", "zigbee");
        plugins.addDevice(stick);

        RegisterRequest registered = Await.value("registered", Duration.ofSeconds(10), () -> kubelet.registered.isEmpty() ? null
                : kubelet.registered.get(0));
        assertEquals("v1beta1", registered.getVersion());
        assertEquals("outrigger.dev/zigbee", registered.getResourceName());
        assertEquals("outrigger-zigbee.sock", registered.getEndpoint());
        Await.until("the stick listed, healthy", Duration.ofSeconds(10),
                () -> kubelet.listed("outrigger-zigbee.sock").equals(List.of(STICK + " Healthy")));

        // a pod asked for outrigger.dev/zigbee: 1, and got the stick
        AllocateResponse given = kubelet.allocate("outrigger-zigbee.sock", STICK);
        ContainerAllocateResponse container = given.getContainerResponses(0);
        assertEquals(List.of(spec("/dev/ttyUSB0", "/dev/ttyUSB0"), spec("/dev/serial/by-id/" + STICK, "/dev/ttyUSB0")),
                container.getDevicesList());
        assertEquals("/dev/serial/by-id/" + STICK, container.getEnvsOrThrow("OUTRIGGER_ZIGBEE_DEVICES"));
        // a table whose columns hold whatever the kubelet's folder is called
        List<String> table = plugins.status().lines().toList();
        String socket = folder.resolve("outrigger-zigbee.sock").toString();
        assertTrue(plugins.status(), table.get(1).startsWith("outrigger.dev/zigbee  " + socket + "  20"));
        assertEquals("the socket's column as wide as its path: " + plugins.status(), table.get(0).indexOf("REGISTERED"),
                table.get(1).indexOf(socket) + socket.length() + 2);

        // unplugged: none to give, and the kubelet hears so
        plugins.removeDevice(stick);
        Await.until("none listed", Duration.ofSeconds(10), () -> kubelet.listed("outrigger-zigbee.sock").isEmpty());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> kubelet.allocate("outrigger-zigbee.sock", STICK));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        assertEquals("outrigger.dev/zigbee " + STICK + " is not plugged in on this node", gone.getStatus().getDescription());

        // back, at another number: the same device to the kubelet
        plugins.addDevice(device(STICK, "/dev/ttyUSB1", "zigbee"));
        Await.until("listed again", Duration.ofSeconds(10),
                () -> kubelet.listed("outrigger-zigbee.sock").equals(List.of(STICK + " Healthy")));
        assertEquals("/dev/ttyUSB1", kubelet.allocate("outrigger-zigbee.sock", STICK).getContainerResponses(0).getDevices(0).getHostPath());
    }

    /** A Modbus poller's pod asks for both RS-485 converters, alike but for the USB port each is plugged into. */
    @Test
    public void twoSticksAlikeInOneContainerAreEachThereByTheirUsbPort() throws Exception {
        Path folder = tmp.newFolder("device-plugins").toPath();
        kubelet = new FakeKubelet(folder).start();
        plugins = new DevicePlugins(config(folder), tmp.newFolder("native").toPath());
        String byId = "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0";
        String left = "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0";
        String right = "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0";
        String rightId = "usb-1a86_USB_Serial-if00-port0@pci-0000:00:14.0-usb-0:3:1.0-port0";
        plugins.addDevice(device("usb-1a86_USB_Serial-if00-port0", "/dev/ttyUSB0", "rs485", byId, Optional.of(left)));
        plugins.addDevice(device(rightId, "/dev/ttyUSB1", "rs485", byId, Optional.of(right)));
        Await.until("both listed", Duration.ofSeconds(10), () -> kubelet.listed("outrigger-rs485.sock").size() == 2);

        ContainerAllocateResponse container = kubelet.allocate("outrigger-rs485.sock", "usb-1a86_USB_Serial-if00-port0", rightId)
                .getContainerResponses(0);
        assertEquals("each at its /dev path and by-path name, the by-id one once", List.of(spec("/dev/ttyUSB0", "/dev/ttyUSB0"),
                spec(byId, "/dev/ttyUSB0"), spec(left, "/dev/ttyUSB0"), spec("/dev/ttyUSB1", "/dev/ttyUSB1"), spec(right, "/dev/ttyUSB1")),
                container.getDevicesList());
        assertEquals(byId + "," + right, container.getEnvsOrThrow("OUTRIGGER_RS485_DEVICES"));
    }

    @Test
    public void aRestartedKubeletGetsTheResourceRegisteredAgain() throws Exception {
        Path folder = tmp.newFolder("device-plugins").toPath();
        kubelet = new FakeKubelet(folder).start();
        plugins = new DevicePlugins(config(folder), tmp.newFolder("native").toPath());
        plugins.addDevice(device(STICK, "/dev/ttyUSB0", "Z-Wave stick (Aeotec)"));
        Await.until("registered", Duration.ofSeconds(10), () -> kubelet.registered.size() == 1);
        assertEquals("outrigger.dev/z-wave-stick-aeotec", kubelet.registered.get(0).getResourceName());

        // as the kubelet does when it starts: every socket in its folder removed, its own made anew
        kubelet.close();
        try (Stream<Path> sockets = Files.list(folder)) {
            for (Path socket : sockets.toList()) {
                Files.delete(socket);
            }
        }
        kubelet = new FakeKubelet(folder).start();
        Await.until("registered with the new kubelet", Duration.ofSeconds(10), () -> kubelet.registered.size() == 1);
        Await.until("the stick listed to it", Duration.ofSeconds(10),
                () -> kubelet.listed("outrigger-z-wave-stick-aeotec.sock").equals(List.of(STICK + " Healthy")));
    }

    @Test
    public void withoutTheKubeletsFolderItWaitsAndSaysWhy() throws Exception {
        Path folder = tmp.getRoot().toPath().resolve("device-plugins");
        plugins = new DevicePlugins(config(folder), tmp.newFolder("native").toPath());
        assertTrue(plugins.status(), plugins.status().startsWith("no resource: no device with role pod plugged in"));
        plugins.addDevice(device(STICK, "/dev/ttyUSB0", "zigbee"));
        Await.until("waiting for the folder", Duration.ofSeconds(10),
                () -> plugins.status().startsWith("waiting: the kubelet's device plugin folder " + folder + " is not there"));

        assertTrue(plugins.status(), plugins.status().matches("(?s).*\\boutrigger.dev/zigbee +- +no \\(no folder\\) +0 +" + STICK + "\n"));
        Files.createDirectories(folder);
        Await.until("served, waiting for the kubelet", Duration.ofSeconds(10), () -> plugins.status().contains("no (no kubelet)"));
        kubelet = new FakeKubelet(folder).start();
        Await.until("registered once the kubelet is there", Duration.ofSeconds(10), () -> kubelet.registered.size() == 1);
    }

    @Test
    public void resourceNamesAreWhatKubernetesTakes() {
        assertEquals("zigbee", DevicePlugins.resourceName("zigbee"));
        assertEquals("sonoff-zbdongle-e", DevicePlugins.resourceName("Sonoff ZBDongle-E"));
        assertEquals("device-usb-1a86_55d4-if00", DevicePlugins.resourceName("device:usb-1a86_55d4-if00"));
        assertEquals(63, DevicePlugins.resourceName("x".repeat(80)).length());
    }

    private static DeviceSpec spec(String container, String host) {
        return DeviceSpec.newBuilder().setContainerPath(container).setHostPath(host).setPermissions("rw").build();
    }

    private static DevicePlugins.Config config(Path folder) {
        return new DevicePlugins.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DevicePlugins.Config.class;
            }

            @Override
            public String folder() {
                return folder.toString();
            }

            @Override
            public String prefix() {
                return "outrigger.dev";
            }
        };
    }

    private static SerialDevice device(String id, String path, String profile) {
        return device(id, path, profile, "/dev/serial/by-id/" + id, Optional.empty());
    }

    private static SerialDevice device(String id, String path, String profile, String byId, Optional<String> byPath) {
        return new SerialDevice() {
            public String id() { return id; }
            public String path() { return path; }
            public String name() { return path.substring(5); }
            public Optional<String> byId() { return Optional.of(byId); }
            public Optional<String> byPath() { return byPath; }
            public String driver() { return "cp210x"; }
            public Optional<UsbIdentity> usb() { return Optional.empty(); }
            public Role role() { return Role.POD; }
            public SerialSettings settings() { return SerialSettings.DEFAULT; }
            public int suggestedPort() { return 0; }
            public String profile() { return profile; }
        };
    }
}
