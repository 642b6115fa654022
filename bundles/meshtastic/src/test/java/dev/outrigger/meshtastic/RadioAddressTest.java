package dev.outrigger.meshtastic;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.Test;

public class RadioAddressTest {

    @Test
    public void devicesHostsAndPortsAsPeopleWriteThem() {
        assertEquals(new RadioAddress(Optional.of("/dev/ttyACM0"), "", 0), RadioAddress.parse(" /dev/ttyACM0 "));
        assertEquals(new RadioAddress(Optional.empty(), "192.168.1.50", 4403), RadioAddress.parse("192.168.1.50:4403"));
        assertEquals(new RadioAddress(Optional.empty(), "meshtastic.local", 4403), RadioAddress.parse("meshtastic.local"));
        assertEquals(new RadioAddress(Optional.empty(), "radio", 14403), RadioAddress.parse("tcp://radio:14403"));
        assertEquals(new RadioAddress(Optional.empty(), "[fd00::5]", 4403), RadioAddress.parse("[fd00::5]:4403"));
    }

    @Test
    public void anythingElseIsSaidOnce() {
        for (String bad : new String[] { ":::", "radio:port", "radio:70000", "tcp://radio:4403/api", "user@radio:4403" }) {
            IllegalArgumentException e = assertThrows(bad, IllegalArgumentException.class, () -> RadioAddress.parse(bad));
            assertTrue(e.getMessage(), e.getMessage().startsWith(bad + " is neither the path of a serial device"));
        }
    }

    @Test
    public void oneRadioHoweverItIsWritten() throws IOException {
        assertTrue(RadioAddress.parse("Radio.local").sameRadio(RadioAddress.parse("tcp://radio.local:4403")));
        assertFalse(RadioAddress.parse("radio.local").sameRadio(RadioAddress.parse("radio.local:14403")));
        assertFalse(RadioAddress.parse("radio.local").sameRadio(RadioAddress.parse("/dev/ttyACM0")));
        Path device = Files.createTempFile("ttyACM", "");
        Path byId = device.resolveSibling("usb-RAKwireless_WisCore_RAK4631_Board-if00-" + device.getFileName());
        try {
            Files.createSymbolicLink(byId, device);
            assertTrue(RadioAddress.parse(byId.toString()).sameRadio(RadioAddress.parse(device.toString())));
            assertFalse(RadioAddress.parse(byId.toString()).sameRadio(RadioAddress.parse("/dev/not-there")));
        } finally {
            Files.deleteIfExists(byId);
            Files.delete(device);
        }
    }
}
