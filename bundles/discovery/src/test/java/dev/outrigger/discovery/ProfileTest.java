package dev.outrigger.discovery;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.junit.Test;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.UsbIdentity;

public class ProfileTest {

    private static Port usb(String vendor, String product, String productName, String serial) {
        return usb(vendor, product, productName, serial, 0);
    }

    private static Port usb(String vendor, String product, String productName, String serial, int usbInterface) {
        UsbIdentity id = new UsbIdentity(vendor, product, serial, "Maker", productName, usbInterface);
        return new Port("ttyUSB" + usbInterface, "/dev/ttyUSB" + usbInterface,
                Optional.of("/dev/serial/by-id/usb-x-" + serial + "-if0" + usbInterface + "-port0"), Optional.empty(),
                "cp210x", Optional.of(id), List.of(), false);
    }

    private static Profile configured(String name, String device, String vendor, String product, int usbInterface,
            Pattern tty, Role role) {
        return new Profile(name, device, vendor, product, usbInterface, null, null, null, tty, role, SerialSettings.DEFAULT, 0, 100);
    }

    private static Optional<Profile> best(Port port, Profile... extra) {
        List<Profile> all = new ArrayList<>(BuiltInProfiles.all());
        all.addAll(List.of(extra));
        return all.stream().filter(p -> p.score(port) != Profile.NO_MATCH).max(Comparator.comparingLong(p -> p.score(port)));
    }

    @Test
    public void sharedIdsAreDecidedByTheProductName() {
        Profile sonoff = best(usb("10c4", "ea60", "Sonoff Zigbee 3.0 USB Dongle Plus", "1")).orElseThrow();
        assertEquals("sonoff-zbdongle-p", sonoff.name());
        assertEquals(Role.BRIDGE, sonoff.role());
        assertFalse("Zigbee sticks open with DTR off", sonoff.settings().dtr());
        assertEquals(BuiltInProfiles.ZIGBEE_PORT, sonoff.port());

        assertEquals("nabucasa-skyconnect", best(usb("10c4", "ea60", "SkyConnect v1.0", "2")).orElseThrow().name());
        assertEquals("the V2 made with a CP2102N is not the Plus of the same id", "sonoff-zbdongle-e-cp",
                best(usb("10c4", "ea60", "Sonoff Zigbee 3.0 USB Dongle Plus V2", "9")).orElseThrow().name());
        assertEquals("sonoff-dongle-max", best(usb("10c4", "ea60", "SONOFF Dongle Max MG24", "10")).orElseThrow().name());
        assertEquals("smlight-slzb", best(usb("10c4", "ea60", "SMLIGHT SLZB-07", "11")).orElseThrow().name());
        assertEquals("conbee-iii", best(usb("0403", "6015", "ConBee III", "12")).orElseThrow().name());
        assertEquals(115200, best(usb("0403", "6015", "ConBee III", "12")).orElseThrow().settings().baud());
        assertEquals("another FT230X is nobody's", Optional.empty(), best(usb("0403", "6015", "FT230X Basic UART", "13")));
        assertEquals("a plain CP2102 (a Heltec board, a console cable) is nobody's", Optional.empty(),
                best(usb("10c4", "ea60", "CP2102 USB to UART Bridge Controller", "3")));
    }

    @Test
    public void radiosAndGpsByTheirIds() {
        assertEquals(Role.MESHTASTIC, best(usb("239a", "8029", "WisCore RAK4631 Board", "4")).orElseThrow().role());
        assertEquals(Role.GPS, best(usb("1546", "01a8", "u-blox GNSS receiver", "5")).orElseThrow().role());
        assertEquals("a u-blox 9 (ZED-F9P)", Role.GPS, best(usb("1546", "01a9", "u-blox GNSS receiver", "5")).orElseThrow().role());
        assertEquals(9600, best(usb("1546", "01a7", "u-blox 7", "6")).orElseThrow().settings().baud());
        assertEquals(Role.MESHTASTIC, best(usb("2886", "0057", "T1000-E", "7")).orElseThrow().role());
        assertEquals(Optional.empty(), best(usb("2886", "802f", "Seeeduino XIAO", "8")));
    }

    @Test
    public void configuredProfilesOutrankBuiltInsAndADeviceOverrideOutranksAll() {
        Port sonoff = usb("10c4", "ea60", "Sonoff Zigbee 3.0 USB Dongle Plus", "ABC");
        Profile mine = configured("my-cp210x", "", "10c4", "ea60", Profile.ANY_INTERFACE, null, Role.GPS);
        Profile thisOne = configured("the-stick-in-the-shed", "usb-x-ABC-if00-port0", "", "", Profile.ANY_INTERFACE, null, Role.IGNORE);
        assertEquals("my-cp210x", best(sonoff, mine).orElseThrow().name());
        assertEquals("the-stick-in-the-shed", best(sonoff, mine, thisOne).orElseThrow().name());
        Profile byPath = configured("by-path", "/dev/ttyUSB0", "", "", Profile.ANY_INTERFACE, null, Role.BRIDGE);
        assertEquals("by-path", best(sonoff, byPath).orElseThrow().name());
    }

    /** Two converters alike, without a serial number: only the USB port each is plugged into tells them apart. */
    @Test
    public void aProfileNamingTheUsbPortTakesTheStickPluggedInThere() {
        UsbIdentity ch340 = new UsbIdentity("1a86", "7523", "", "", "USB Serial", 0);
        Port left = new Port("ttyUSB0", "/dev/ttyUSB0", Optional.of("/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0"),
                Optional.of("/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0"), "ch341", Optional.of(ch340), List.of(), false);
        Port right = new Port("ttyUSB1", "/dev/ttyUSB1", left.byId(),
                Optional.of("/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0"), "ch341", Optional.of(ch340), List.of(), false);
        Profile meter = configured("meter", "/dev/serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0", "", "", Profile.ANY_INTERFACE,
                null, Role.BRIDGE);
        assertEquals("meter", best(right, meter).orElseThrow().name());
        assertEquals(Optional.empty(), best(left, meter));
    }

    @Test
    public void ttyPatternsMatchBoardUarts() {
        Port uart = new Port("ttyAMA0", "/dev/ttyAMA0", Optional.empty(), Optional.empty(), "uart-pl011", Optional.empty(), List.of(), false);
        Profile gpsHat = configured("gps-hat", "", "", "", Profile.ANY_INTERFACE, Profile.pattern("^ttyAMA0$"), Role.GPS);
        assertEquals("gps-hat", best(uart, gpsHat).orElseThrow().name());
        assertEquals("no USB criteria match a UART", Optional.empty(), best(uart));
    }

    @Test
    public void aStickWithTwoRadiosGetsAProfilePerInterface() {
        Profile zwave = best(usb("10c4", "8a2a", "HubZ Smart Home Controller", "613024F5", 0)).orElseThrow();
        Profile zigbee = best(usb("10c4", "8a2a", "HubZ Smart Home Controller", "613024F5", 1)).orElseThrow();
        assertEquals("nortek-husbzb1-zwave", zwave.name());
        assertEquals(BuiltInProfiles.ZWAVE_PORT, zwave.port());
        assertEquals("nortek-husbzb1-zigbee", zigbee.name());
        assertEquals(BuiltInProfiles.ZIGBEE_PORT, zigbee.port());
        assertEquals("its Zigbee radio speaks EZSP at 57600 with software flow control",
                "57600 8N1 xon/xoff dtr=off rts=off", zigbee.settings().toString());
        assertEquals("nabucasa-zwa2", best(usb("303a", "4001", "ZWA-2", "14")).orElseThrow().name());
    }

    /** Nabu Casa's Z-Wave and Zigbee sticks share a USB id: the product string tells them apart. */
    @Test
    public void theConnectZbt2IsAZigbeeStickAt460800WhicheverIdItShows() {
        for (String product : List.of("4001", "831a")) {
            Profile zbt2 = best(usb("303a", product, "ZBT-2", "DCB4D90E1234")).orElseThrow();
            assertEquals("nabucasa-zbt2", zbt2.name());
            assertEquals(BuiltInProfiles.ZIGBEE_PORT, zbt2.port());
            assertEquals("460800 8N1 dtr=off rts=off", zbt2.settings().toString());
        }
        assertEquals("nabucasa-zwa2", best(usb("303a", "4001", "ZWA-2", "14")).orElseThrow().name());
    }

    @Test
    public void sticksThatNameTheirRadioAreBridgedOnItsPort() {
        Profile zst10 = best(usb("10c4", "ea60", "Zooz ZST10 700 Z-Wave Stick", "0001")).orElseThrow();
        assertEquals("zwave-by-name", zst10.name());
        assertEquals(BuiltInProfiles.ZWAVE_PORT, zst10.port());
        assertEquals("zwave-by-name", best(usb("1a86", "55d4", "800 Z-Wave Stick", "533D004242")).orElseThrow().name());
        Profile coordinator = best(usb("0403", "6015", "Some Zigbee Coordinator", "16")).orElseThrow();
        assertEquals(BuiltInProfiles.ZIGBEE_PORT, coordinator.port());
        assertFalse("opened without resetting it into its bootloader", coordinator.settings().dtr());
        assertEquals("a stick's own profile wins over its name", "sonoff-zbdongle-p",
                best(usb("10c4", "ea60", "Sonoff Zigbee 3.0 USB Dongle Plus", "17")).orElseThrow().name());
    }

    @Test
    public void aConfiguredProfileCanTakeOneInterfaceOfADualPortConverter() {
        // an FT2232H with RS-485 on its second port, a console on its first
        Profile rs485 = configured("rs485-meter", "", "0403", "6010", 1, null, Role.BRIDGE);
        assertEquals("rs485-meter", best(usb("0403", "6010", "Dual RS232-HS", "15", 1), rs485).orElseThrow().name());
        assertEquals(Optional.empty(), best(usb("0403", "6010", "Dual RS232-HS", "15", 0), rs485));
        assertEquals("an interface alone is no USB criterion to match a UART", Optional.empty(),
                best(new Port("ttyAMA0", "/dev/ttyAMA0", Optional.empty(), Optional.empty(), "uart-pl011", Optional.empty(),
                        List.of(), false), configured("first-interface", "", "", "", 0, null, Role.BRIDGE)));
    }
}
