package dev.outrigger.bridge;

import static org.junit.Assert.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
