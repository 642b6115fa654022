package dev.outrigger.config.admin;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.apache.felix.utils.properties.TypedProperties;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class EtcFileTest {

    @Rule
    public TemporaryFolder temporary = new TemporaryFolder();

    @Test
    public void valuesAreWrittenAsAPersonWritesThemAndCommentsStay() throws Exception {
        Path file = temporary.getRoot().toPath().resolve("dev.outrigger.bridge-zigbee.cfg");
        Files.writeString(file, "# the stick in the shed\nport = 6638\n");

        assertEquals(Map.of("port", "6639", "allow", "10.0.0.0/8,127.0.0.1", "dtr", "false"),
                written(file, Map.of("port", 6639, "allow", new String[] { "10.0.0.0/8", "127.0.0.1" }, "dtr", false)));
        String text = Files.readString(file);
        assertTrue(text, text.startsWith("# the stick in the shed\nport = 6639\n") && text.contains("\ndtr = false\n"));
    }

    @Test
    public void whatOnlyTheTypedFormCanSayTurnsTheFileTypedAndReadsBackTheSame() throws Exception {
        Path file = temporary.getRoot().toPath().resolve("dev.outrigger.itest.greeter.cfg");
        Files.writeString(file, "greeting = ahoy\n");

        // a plain line loses the spaces a value begins with
        Map<String, Object> read = written(file, Map.of("greeting", "ahoy", "password", "  starts with spaces"));
        assertEquals(Map.of("greeting", "ahoy", "password", "  starts with spaces"), read);

        // a plain list cannot hold an item with a comma
        Files.writeString(file, "greeting = ahoy\n");
        Object audience = written(file, Map.of("audience", new String[] { "crew, and guests" })).get("audience");
        assertArrayEquals(new Object[] { "crew, and guests" }, (Object[]) audience);
    }

    @Test
    public void whatFileInstallWouldExpandOrUnescapeIsWrittenSoThatItReadsBackUnchanged() throws Exception {
        Map<String, Object> values = Map.of("pattern", "Sonoff.*\\", "password", "pa${user.home}ss\\{}",
                "name", "Schuppen-Funk \u00e9 \ud83d\udce1", "paths", new String[] { "C:\\radios\\", "${x}" });
        for (String head : List.of("", "typed = B\"true\"\n")) {
            Path file = temporary.getRoot().toPath().resolve("dev.outrigger.itest.greeter.cfg");
            Files.writeString(file, head);
            Map<String, Object> read = written(file, values);
            assertEquals(head, values.get("pattern"), read.get("pattern"));
            assertEquals(head, values.get("password"), read.get("password"));
            assertEquals(head, values.get("name"), read.get("name"));
            Object paths = read.get("paths");
            assertEquals(head, List.of("C:\\radios\\", "${x}"),
                    paths instanceof String text ? List.of(text.split(",")) : List.of((Object[]) paths));
        }
    }

    @Test
    public void variablesAPersonWroteStayVariables() throws Exception {
        Path file = temporary.getRoot().toPath().resolve("dev.outrigger.discovery.cfg");
        Files.writeString(file, "sysfs = ${user.home}/sys\nrescanSeconds = 30\n");
        written(file, Map.of("sysfs", System.getProperty("user.home") + "/sys", "rescanSeconds", 60));
        assertEquals("sysfs = ${user.home}/sys\nrescanSeconds = 60\n", Files.readString(file));
    }

    /** Writes the values as the configuration would hold them; what FileInstall reads back. */
    private static Map<String, Object> written(Path file, Map<String, Object> values) throws Exception {
        EtcFile etc = new EtcFile(file);
        Hashtable<String, Object> properties = new Hashtable<>();
        values.forEach((key, value) -> properties.put(key, etc.asWritten(value)));
        etc.write(properties);
        // as FileInstall reads it: in its configured encoding, with variables from the framework (here: the system)
        TypedProperties read = new TypedProperties((name, key, variable) -> System.getProperty(variable));
        try (Reader in = Files.newBufferedReader(file, EtcFile.ENCODING)) {
            read.load(in);
        }
        return Map.copyOf(read);
    }
}
