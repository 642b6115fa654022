package dev.outrigger.framework.devices;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialDevice;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;

public class DeviceNamesTest {

    private static final String SHARED_BY_ID = "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0";
    private static final String LEFT = "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0";
    private static final String RIGHT = "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0";

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void aDeviceIsNamedByItsIdLinksPathKernelNameOrAnotherLinkToIt() throws Exception {
        Path node = folder.newFile("ttyUSB0").toPath();
        Path udevRule = Files.createSymbolicLink(folder.getRoot().toPath().resolve("zigbee"), node);
        SerialDevice stick = device("usb-1a86_USB_Serial-if00-port0", node.toString(), LEFT);
        for (String name : new String[] { "usb-1a86_USB_Serial-if00-port0", SHARED_BY_ID, LEFT, node.toString(), "ttyUSB0",
                udevRule.toString() }) {
            assertTrue(name, DeviceNames.isNameOf(name, stick));
        }
        assertFalse(DeviceNames.isNameOf(RIGHT, stick));
        assertFalse(DeviceNames.isNameOf("/no/such/link", stick));
    }

    /** Sticks alike share their by-id name: a configuration names the second by the USB port, which stays its own. */
    @Test
    public void sticksAlikeAreToBeConfiguredByTheirUsbPort() {
        assertEquals("usb-1a86_USB_Serial-if00-port0", DeviceNames.toConfigure(device("usb-1a86_USB_Serial-if00-port0",
                "/dev/ttyUSB0", LEFT)));
        assertEquals(RIGHT, DeviceNames.toConfigure(device("usb-1a86_USB_Serial-if00-port0@pci-0000:00:14.0-usb-0:3:1.0-port0",
                "/dev/ttyUSB1", RIGHT)));
    }

    private static SerialDevice device(String id, String path, String byPath) {
        return new SerialDevice() {
            public String id() { return id; }
            public String path() { return path; }
            public String name() { return Path.of(path).getFileName().toString(); }
            public Optional<String> byId() { return Optional.of(SHARED_BY_ID); }
            public Optional<String> byPath() { return Optional.of(byPath); }
            public String driver() { return "ch341"; }
            public Optional<UsbIdentity> usb() { return Optional.empty(); }
            public Role role() { return Role.BRIDGE; }
            public SerialSettings settings() { return SerialSettings.DEFAULT; }
            public int suggestedPort() { return 0; }
            public String profile() { return "test"; }
        };
    }
}
