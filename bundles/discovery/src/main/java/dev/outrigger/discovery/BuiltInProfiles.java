package dev.outrigger.discovery;

import static dev.outrigger.discovery.Profile.pattern;

import java.util.List;

import dev.outrigger.device.Role;
import dev.outrigger.device.SerialSettings;
import dev.outrigger.device.SerialSettings.FlowControl;
import dev.outrigger.device.SerialSettings.Parity;
import dev.outrigger.device.SerialSettings.StopBits;

/**
 * Profiles for common gear, at ranking 0 so that any configured profile wins. Many ids are shared
 * between products (a CP2102N sits on Zigbee sticks and on Meshtastic boards alike), so where an id
 * is shared the product string decides, and a bare shared id matches nothing: an unknown device is
 * ignored rather than guessed at.
 */
final class BuiltInProfiles {

    /** zigbee2mqtt's and ser2net's customary port for a networked Zigbee coordinator. */
    static final int ZIGBEE_PORT = 6638;
    static final int ZWAVE_PORT = 6639;

    private BuiltInProfiles() {
    }

    static List<Profile> all() {
        // Zigbee sticks must not be reset into their bootloader on open: DTR and RTS off
        SerialSettings zigbee = settings(115200, false);
        return List.of(
                usb("sonoff-zbdongle-p", "10c4", "ea60", "sonoff zigbee 3\\.0 usb dongle plus(?! v2)", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("sonoff-zbdongle-e", "1a86", "55d4", "sonoff zigbee 3\\.0 usb dongle plus v2", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                // the same stick, made later with a CP2102N
                usb("sonoff-zbdongle-e-cp", "10c4", "ea60", "sonoff zigbee 3\\.0 usb dongle plus v2", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("sonoff-dongle-max", "10c4", "ea60", "sonoff dongle max", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("smlight-slzb", "10c4", "ea60", "slzb-0[67]", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("nabucasa-skyconnect", "10c4", "ea60", "skyconnect|connect zbt-1", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                // an ESP32-S3 in front of its radio (303a:4001 or 303a:831a); its Zigbee firmware speaks 460800
                usb("nabucasa-zbt2", "303a", "", "zbt-2", Role.BRIDGE, settings(460800, false), ZIGBEE_PORT),
                usb("conbee-ii", "1cf1", "0030", null, Role.BRIDGE, settings(38400, false), ZIGBEE_PORT),
                // an FTDI FT230X, whose id many products share
                usb("conbee-iii", "0403", "6015", "conbee iii", Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("ti-cc2531", "0451", "16a8", null, Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("ti-cc2538", "0451", "16c8", null, Role.BRIDGE, zigbee, ZIGBEE_PORT),
                usb("aeotec-zstick", "0658", "0200", null, Role.BRIDGE, settings(115200, true), ZWAVE_PORT),
                usb("nabucasa-zwa2", "303a", "4001", "zwa-2", Role.BRIDGE, settings(115200, true), ZWAVE_PORT),
                // one CP2105 with two ports: Z-Wave on interface 0, Zigbee (EZSP, software flow control) on 1
                new Profile("nortek-husbzb1-zwave", "", "10c4", "8a2a", 0, null, null, null, null, Role.BRIDGE,
                        settings(115200, true), ZWAVE_PORT, 0),
                new Profile("nortek-husbzb1-zigbee", "", "10c4", "8a2a", 1, null, null, null, null, Role.BRIDGE,
                        new SerialSettings(57600, 8, Parity.NONE, StopBits.ONE, FlowControl.XON_XOFF, false, false), ZIGBEE_PORT, 0),
                usb("ublox-7-gps", "1546", "01a7", null, Role.GPS, settings(9600, true), 0),
                usb("ublox-8-gps", "1546", "01a8", null, Role.GPS, settings(9600, true), 0),
                usb("ublox-9-gps", "1546", "01a9", null, Role.GPS, settings(9600, true), 0),
                usb("rak4631", "239a", "8029", null, Role.MESHTASTIC, settings(115200, true), 0),
                usb("esp32-s3-native-usb", "303a", "1001", null, Role.MESHTASTIC, settings(115200, true), 0),
                usb("seeed-meshtastic", "2886", "", "t1000|wio.?tracker|sensecap|xiao.*nrf52840|meshtastic", Role.MESHTASTIC,
                        settings(115200, true), 0),
                usb("meshtastic-by-name", "", "", "meshtastic", Role.MESHTASTIC, settings(115200, true), 0),
                // sticks that say what they are (Zooz's ZST10 700 and 800 sticks, many Zigbee coordinators);
                // every Z-Wave controller speaks its serial API at 115200
                usb("zwave-by-name", "", "", "z-?wave", Role.BRIDGE, settings(115200, true), ZWAVE_PORT),
                usb("zigbee-by-name", "", "", "zigbee", Role.BRIDGE, zigbee, ZIGBEE_PORT));
    }

    private static Profile usb(String name, String vendor, String product, String productName, Role role,
            SerialSettings settings, int port) {
        return new Profile(name, "", vendor, product, Profile.ANY_INTERFACE, null, null, pattern(productName), null, role,
                settings, port, 0);
    }

    private static SerialSettings settings(int baud, boolean modemLines) {
        return new SerialSettings(baud, 8, Parity.NONE, StopBits.ONE, FlowControl.NONE, modemLines, modemLines);
    }
}
