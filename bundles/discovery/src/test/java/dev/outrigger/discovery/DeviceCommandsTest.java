package dev.outrigger.discovery;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Optional;

import org.junit.Test;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;

public class DeviceCommandsTest {

    /** A stick with a port per radio: the two rows of device:list must not look alike. */
    @Test
    public void longIdsKeepTheEndThatTellsThemApart() {
        DeviceCommands commands = new DeviceCommands();
        for (int i = 0; i < 2; i++) {
            String id = "usb-Silicon_Labs_HubZ_Smart_Home_Controller_613024F5-if0" + i + "-port0";
            Port port = new Port("ttyUSB" + i, "/dev/ttyUSB" + i, Optional.of("/dev/serial/by-id/" + id), Optional.empty(),
                    "cp210x", Optional.of(new UsbIdentity("10c4", "8a2a", "613024F5", "Silicon Labs",
                            "HubZ Smart Home Controller", i)), List.of(), false);
            commands.addDevice(new Device(id, port, Role.BRIDGE, SerialSettings.DEFAULT, 6638 + i, "test"));
        }
        List<String> ids = commands.list().lines().skip(1).map(l -> l.substring(0, 28)).toList();
        assertEquals(List.of("usb-Silic…13024F5-if00-port0", "usb-Silic…13024F5-if01-port0"), ids);
    }
}
