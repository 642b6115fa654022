package dev.outrigger.discovery;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.outrigger.device.UsbIdentity;

public class SysfsScannerTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private FakeSysfs tree;

    @Before
    public void tree() {
        tree = new FakeSysfs(folder.getRoot().toPath());
    }

    private Map<String, Port> scan() {
        return new SysfsScanner(tree.sys, tree.dev).scan().stream().collect(Collectors.toMap(Port::name, Function.identity()));
    }

    @Test
    public void noTtyClassMeansNoDevicesButAnUnreadableOneIsAFailureNotAnEmptyNode() throws Exception {
        Path bare = Files.createDirectories(folder.getRoot().toPath().resolve("bare/class"));
        SysfsScanner scanner = new SysfsScanner(bare.getParent(), tree.dev);
        assertEquals(List.of(), scanner.scan());
        Files.writeString(bare.resolve("tty"), "not a folder");
        UncheckedIOException failed = assertThrows(UncheckedIOException.class, scanner::scan);
        assertTrue(failed.getMessage(), failed.getMessage().startsWith("cannot read " + bare.resolve("tty")));
    }

    @Test
    public void usbSerialConverterIsTwoLevelsBelowItsUsbDevice() {
        tree.plugUsbSerial("ttyUSB0", "1-3", "0403", "6001", "FTDI", "FT232R USB UART", "A50285BI", "ftdi_sio");
        Port p = scan().get("ttyUSB0");
        assertEquals(tree.dev.resolve("ttyUSB0").toString(), p.path());
        assertEquals("ftdi_sio", p.driver());
        assertEquals(new UsbIdentity("0403", "6001", "A50285BI", "FTDI", "FT232R USB UART", 0), p.usb().orElseThrow());
        assertEquals(tree.dev.resolve("serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0").toString(), p.byId().orElseThrow());
        assertEquals(tree.dev.resolve("serial/by-path/pci-0000:00:14.0-usb-0:3:1.0-port0").toString(), p.byPath().orElseThrow());
        assertEquals("usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", p.id());
    }

    @Test
    public void aConverterWithAPortPerInterfaceGivesEachItsOwnNames() {
        tree.plugUsbSerial("ttyUSB0", "1-4", 0, "10c4", "8a2a", "Silicon Labs", "HubZ Smart Home Controller", "613024F5", "cp210x");
        tree.plugUsbSerial("ttyUSB1", "1-4", 1, "10c4", "8a2a", "Silicon Labs", "HubZ Smart Home Controller", "613024F5", "cp210x");
        Map<String, Port> ports = scan();
        assertEquals(1, ports.get("ttyUSB1").usb().orElseThrow().interfaceNumber());
        assertEquals("usb-Silicon_Labs_HubZ_Smart_Home_Controller_613024F5-if00-port0", ports.get("ttyUSB0").id());
        assertEquals("usb-Silicon_Labs_HubZ_Smart_Home_Controller_613024F5-if01-port0", ports.get("ttyUSB1").id());
        assertEquals(tree.dev.resolve("serial/by-path/pci-0000:00:14.0-usb-0:4:1.1-port0").toString(),
                ports.get("ttyUSB1").byPath().orElseThrow());
    }

    @Test
    public void cdcAcmRadioIsOneLevelBelowItsUsbDevice() {
        tree.plugCdcAcm("ttyACM0", "1-2", "239a", "8029", "RAKwireless", "WisCore RAK4631 Board", "E5F1A2B3C4D5");
        Port p = scan().get("ttyACM0");
        assertEquals("cdc_acm", p.driver());
        assertEquals("8029", p.usb().orElseThrow().productId());
        assertEquals("usb-RAKwireless_WisCore_RAK4631_Board_E5F1A2B3C4D5-if00", p.id());
        assertEquals(tree.dev.resolve("serial/by-path/pci-0000:00:14.0-usb-0:2:1.0").toString(), p.byPath().orElseThrow());
    }

    @Test
    public void boardUartsInBothKernelLayoutsAndNoPlaceholdersOrVirtualTerminals() {
        tree.addPlatformUart("ttyAMA0", "fe201000.serial", "uart-pl011", false);
        tree.addPlatformUart("ttyAMA1", "fe201400.serial", "uart-pl011", true);
        tree.addPlaceholderTtyS("ttyS1");
        FakeSysfs.write(tree.dev.resolve("tty0"), "");

        Map<String, Port> ports = scan();
        assertEquals(List.of("ttyAMA0", "ttyAMA1"), ports.keySet().stream().sorted().toList());
        assertEquals("uart-pl011", ports.get("ttyAMA0").driver());
        assertEquals("past serial-base's port and controller", "uart-pl011", ports.get("ttyAMA1").driver());
        assertTrue(ports.get("ttyAMA0").usb().isEmpty());
        assertEquals("ttyAMA0", ports.get("ttyAMA0").id());
        assertTrue(ports.get("ttyAMA1").byPath().orElseThrow().endsWith("platform-fe201400.serial"));
    }

    @Test
    public void theUartTheKernelsConsoleIsOnIsMarked() {
        tree.addPlatformUart("ttyAMA0", "fe201000.serial", "uart-pl011", false);
        tree.addPlatformUart("ttyAMA1", "fe201400.serial", "uart-pl011", false);
        tree.consoleOn("tty1", "ttyAMA0"); // console=serial0,115200 console=tty1

        Map<String, Port> ports = scan();
        assertEquals(List.of("ttyAMA0", "ttyAMA1"), ports.keySet().stream().sorted().toList());
        assertTrue(ports.get("ttyAMA0").console());
        assertFalse(ports.get("ttyAMA1").console());
    }

    @Test
    public void udevLinksWinOverDerivedNamesAndDanglingLinksAreIgnored() throws Exception {
        tree.plugUsbSerial("ttyUSB0", "1-3", "10c4", "ea60", "Silicon Labs", "CP2102N USB to UART Bridge Controller",
                "0001", "cp210x");
        tree.addByIdLink("usb-Silicon_Labs_CP2102N_custom-if00-port0", "ttyUSB0");
        tree.addByIdLink("usb-gone-if00-port0", "ttyUSB9");

        Port p = scan().get("ttyUSB0");
        assertEquals(tree.dev.resolve("serial/by-id/usb-Silicon_Labs_CP2102N_custom-if00-port0").toString(), p.byId().orElseThrow());
    }

    @Test
    public void missingAndOddAttributesStillListTheDevice() throws Exception {
        tree.plugUsbSerial("ttyUSB1", "1-4", "1a86", "7523", null, "USB\u0001Serial\u00ff", null, "ch341");
        Files.write(tree.sys.resolve("devices/pci0000:00/0000:00:14.0/usb1/1-4/product"), new byte[] { 'U', 'S', 'B', 1, (byte) 0xff, 'x' });

        Port p = scan().get("ttyUSB1");
        UsbIdentity usb = p.usb().orElseThrow();
        assertEquals("", usb.manufacturer());
        assertEquals("", usb.serial());
        assertFalse("control characters and invalid bytes are gone: " + usb.product(), usb.product().matches(".*[\\x00-\\x1f\\ufffd].*"));
        assertEquals("usb-1a86_USB_x-if00-port0", p.id());
    }

    @Test
    public void aNodeWithoutSysfsEntryOrSysfsWithoutNodeIsNotAPort() throws Exception {
        tree.plugUsbSerial("ttyUSB0", "1-3", "0403", "6001", "FTDI", "FT232R USB UART", "A1", "ftdi_sio");
        Files.delete(tree.dev.resolve("ttyUSB0"));
        FakeSysfs.write(tree.dev.resolve("ttyUSB5"), "");
        assertTrue(scan().isEmpty());
    }
}
