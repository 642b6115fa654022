package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class AssignedPortsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    /** A file edited by hand: a port that is none is left out, and its device given another; the rest hold. */
    @Test
    public void entriesThatAreNoPortAreLeftOutAndTheOthersKept() throws Exception {
        Path file = folder.getRoot().toPath().resolve("bridge/ports.properties");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "furnace = 7000\ngenerator = seven\nmeter = 70000\n");
        AssignedPorts ports = new AssignedPorts(file);
        assertEquals(7000, ports.portFor("furnace", 7000, p -> true));
        assertEquals("the lowest no device has", 7001, ports.portFor("generator", 7000, p -> true));
        assertEquals("one another bridge listens on is skipped", 7003, ports.portFor("meter", 7000, p -> p != 7002));
        Properties kept = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            kept.load(in);
        }
        assertEquals(Map.of("furnace", "7000", "generator", "7001", "meter", "7003"), kept);
    }

    /** The file is for people too: one line per device, in the order of their ids, whatever they hold. */
    @Test
    public void theFileListsTheDevicesInOrder() throws Exception {
        Path file = folder.getRoot().toPath().resolve("bridge/ports.properties");
        AssignedPorts ports = new AssignedPorts(file);
        for (String id : List.of("usb-Silicon_Labs_CP2102N-if00", "a:b=cé", "usb-FTDI_FT232R-if00", "pci-0000:00:14.0-usb-0:2:1.0")) {
            ports.portFor(id, 7000, p -> true);
        }
        List<String> entries = Files.readAllLines(file).stream().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("a\\:b\\=c\\u00E9=7001", "pci-0000\\:00\\:14.0-usb-0\\:2\\:1.0=7003", "usb-FTDI_FT232R-if00=7002",
                "usb-Silicon_Labs_CP2102N-if00=7000"), entries);
        assertEquals("read back as given", 7001, new AssignedPorts(file).portFor("a:b=cé", 7000, p -> true));
    }
}
