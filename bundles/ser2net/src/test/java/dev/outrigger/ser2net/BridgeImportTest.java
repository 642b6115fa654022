package dev.outrigger.ser2net;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;


public class BridgeImportTest {

    private static Content example() throws Exception {
        try (InputStream in = BridgeImportTest.class.getResourceAsStream("/ser2net.yaml")) {
            return Ser2netYaml.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static BridgeImport imported(String name) throws Exception {
        return BridgeImport.of(example().connections().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow());
    }

    @Test
    public void everyConnectionIsReadWithItsAnchorAsNameAndTheRestIsNamed() throws Exception {
        Content content = example();
        assertEquals(List.of("zigbee", "zwave", "con0096", "printer", "con4"), content.connections().stream().map(Connection::name).toList());
        assertEquals(List.of(8, 14, 24, 29, 33), content.connections().stream().map(Connection::line).toList());
        assertEquals(List.of("rotator (line 37)"), content.notImported());
    }

    @Test
    public void aZigbeeStickKeepsItsPortLineSettingsLinesAndKickolduser() throws Exception {
        BridgeImport zigbee = imported("zigbee");
        assertEquals(Optional.empty(), zigbee.refusal());
        assertEquals(Map.ofEntries(Map.entry("port", 6639), Map.entry("bind", "0.0.0.0"),
                Map.entry("device", "/dev/serial/by-id/usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_77aa-if00-port0"),
                Map.entry("baud", 115200), Map.entry("parity", "none"), Map.entry("dataBits", 8), Map.entry("stopBits", "1"),
                Map.entry("dtr", false), Map.entry("rts", false), Map.entry("policy", "kickolduser"), Map.entry("maxClients", 1)),
                zigbee.values());
        assertEquals(List.of("listens on every address, as ser2net did: set allow to the clients' addresses"), zigbee.notes());
    }

    @Test
    public void rfc2217OnOneAddressWithSharedClientsAndAnIdleTimeout() throws Exception {
        BridgeImport zwave = imported("zwave");
        assertEquals("rfc2217", zwave.values().get("mode"));
        assertEquals("127.0.0.1", zwave.values().get("bind"));
        assertEquals(3333, zwave.values().get("port"));
        assertEquals("/dev/ttyACM0", zwave.values().get("device"));
        assertEquals("share", zwave.values().get("policy"));
        assertEquals(2, zwave.values().get("maxClients"));
        assertEquals(600, zwave.values().get("idleTimeoutSeconds"));
        assertEquals(List.of("options left out: banner"), zwave.notes());
    }

    @Test
    public void tlsFilesParityAndFlowControlCarryOver() throws Exception {
        Map<String, Object> printer = imported("printer").values();
        assertEquals("/etc/ser2net/cert.pem", printer.get("tlsCertFile"));
        assertEquals("/etc/ser2net/key.pem", printer.get("tlsKeyFile"));
        assertEquals(null, printer.get("tlsClientCaFile"));
        assertEquals(19200, printer.get("baud"));
        assertEquals("even", printer.get("parity"));
        assertEquals(7, printer.get("dataBits"));
        assertEquals("rtscts", printer.get("flowControl"));
        assertEquals("share", printer.get("policy"));
    }

    @Test
    public void whatCannotBeABridgeSaysWhy() throws Exception {
        assertEquals(Optional.of("disabled in ser2net (enable: off)"), imported("con0096").refusal());
        assertEquals(Optional.of("accepter udp,4000: only tcp (with telnet or ssl before it) is served"), imported("con4").refusal());
        Connection noPort = new Connection("x", 1, Map.of("accepter", "tcp,host,port", "connector", "serialdev,/dev/ttyUSB0"), Map.of());
        assertEquals(Optional.of("accepter tcp,host,port: port is not a TCP port"), BridgeImport.of(noPort).refusal());
        assertEquals(Optional.of("no connector"), BridgeImport.of(new Connection("z", 1, Map.of("accepter", "tcp,2000"), Map.of())).refusal());
        Connection network = new Connection("y", 1, Map.of("accepter", "tcp,2000", "connector", "tcp,10.0.0.1,2001"), Map.of());
        assertEquals(Optional.of("connector tcp,10.0.0.1,2001: only a serial device (serialdev,<device>,...) is bridged"),
                BridgeImport.of(network).refusal());
    }

    @Test
    public void aLineWithoutSettingsGetsSer2netsDefaultAndAnUnsafeNameIsMadeSafe() {
        Connection bare = new Connection("my stick!", 1, Map.of("accepter", "tcp,2000", "connector", "serialdev,/dev/ttyUSB0"), Map.of());
        BridgeImport b = BridgeImport.of(bare);
        assertEquals("my-stick-", b.name());
        assertEquals(9600, b.values().get("baud"));
        assertEquals("none", b.values().get("parity"));

        Connection huge = new Connection("huge", 1, Map.of("accepter", "tcp,2000", "connector", "serialdev,/dev/ttyUSB0,99999999999n81"),
                Map.of("timeout", "99999999999", "max-connections", "99999999999"));
        assertTrue("a number beyond an int is no line setting", BridgeImport.of(huge).notes().contains("serial option 99999999999n81 left out"));
        assertEquals("nor a timeout", null, BridgeImport.of(huge).values().get("idleTimeoutSeconds"));
        assertEquals(1, BridgeImport.of(huge).values().get("maxClients"));
    }

    @Test
    public void textThatIsNotSer2netsYamlIsRefusedWithItsLine() {
        IllegalArgumentException broken = assertThrows(IllegalArgumentException.class,
                () -> Ser2netYaml.parse("connection: &a\n  accepter: tcp,2000\n connector: [\n"));
        assertTrue(broken.getMessage(), broken.getMessage().startsWith("line 3: "));
        IllegalArgumentException list = assertThrows(IllegalArgumentException.class, () -> Ser2netYaml.parse("- a\n- b\n"));
        assertEquals("line 1: expected keys such as connection:, found sequence", list.getMessage());
    }
}
