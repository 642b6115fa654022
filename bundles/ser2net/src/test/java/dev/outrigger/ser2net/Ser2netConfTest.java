package dev.outrigger.ser2net;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.Test;

public class Ser2netConfTest {

    private static String example() throws Exception {
        try (InputStream in = Ser2netConfTest.class.getResourceAsStream("/ser2net.conf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<BridgeImport> imported() throws Exception {
        return Ser2netConf.parse(example()).connections().stream().map(BridgeImport::of).toList();
    }

    @Test
    public void itIsToldFromSer2net4sYaml() throws Exception {
        assertTrue(Ser2netConf.isOne(example()));
        try (InputStream in = Ser2netConfTest.class.getResourceAsStream("/ser2net.yaml")) {
            assertFalse(Ser2netConf.isOne(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
    }

    @Test
    public void eachLineIsAConnectionNamedByItsPortWithContinuationsJoined() throws Exception {
        Content content = Ser2netConf.parse(example());
        assertEquals(List.of("port2000", "port2001", "port3333", "port4000", "port5000"),
                content.connections().stream().map(Connection::name).toList());
        assertEquals(List.of(4, 5, 7, 8, 9), content.connections().stream().map(Connection::line).toList());
        assertEquals(List.of("BANNER (line 2)"), content.notImported());
    }

    @Test
    public void telnetRawAndRemctlBecomeWhatSer2net4WouldMake() throws Exception {
        List<BridgeImport> bridges = imported();
        Map<String, Object> telnet = bridges.get(0).values();
        assertEquals("rfc2217", telnet.get("mode"));
        assertEquals(600, telnet.get("idleTimeoutSeconds"));
        assertEquals(9600, telnet.get("baud"));
        assertEquals(List.of("telnet: served as rfc2217 (telnet with the COM port option), which telnet clients also speak",
                "listens on every address, as ser2net did: set allow to the clients' addresses", "serial option banner left out"),
                bridges.get(0).notes());

        Map<String, Object> zwave = bridges.get(1).values();
        assertEquals("/dev/serial/by-id/usb-0658_0200-if00", zwave.get("device"));
        assertEquals(null, zwave.get("mode"));
        assertEquals("none", zwave.get("flowControl"));
        assertEquals("kickolduser", zwave.get("policy"));
        assertEquals(0, zwave.get("idleTimeoutSeconds"));

        Map<String, Object> remctl = bridges.get(2).values();
        assertEquals("rfc2217", remctl.get("mode"));
        assertEquals("127.0.0.1", remctl.get("bind"));
        assertEquals(3333, remctl.get("port"));
        assertEquals(2, remctl.get("maxClients"));
        assertEquals(List.of(), bridges.get(2).notes());
    }

    @Test
    public void aPrinterPortAndAPortSwitchedOffAreNotMade() throws Exception {
        List<BridgeImport> bridges = imported();
        assertEquals(Optional.of("accepter rawlp,4000: only tcp (with telnet or ssl before it) is served"), bridges.get(3).refusal());
        assertEquals(Optional.of("disabled in ser2net (enable: off)"), bridges.get(4).refusal());
    }

    @Test
    public void aLineOfAnotherShapeIsRefusedWithItsNumber() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Ser2netConf.parse("2000:raw:0:/dev/ttyS0:9600\nthis is not ser2net\n"));
        assertEquals("line 2: expected <port>:<raw|rawlp|telnet|off>:<timeout>:<device>:<options>, found this is not ser2net",
                refused.getMessage());
    }
}
