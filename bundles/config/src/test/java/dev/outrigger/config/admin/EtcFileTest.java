package dev.outrigger.config.admin;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
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

    /** Writes the values as the configuration would hold them; what FileInstall reads back. */
    private static Map<String, Object> written(Path file, Map<String, Object> values) throws Exception {
        EtcFile etc = new EtcFile(file);
        Hashtable<String, Object> properties = new Hashtable<>();
        values.forEach((key, value) -> properties.put(key, etc.asWritten(value)));
        etc.write(properties);
        TypedProperties read = new TypedProperties();
        read.load(file.toFile());
        return Map.copyOf(read);
    }
}
