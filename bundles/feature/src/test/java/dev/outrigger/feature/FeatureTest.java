package dev.outrigger.feature;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FeatureTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void readsBundlesStartOrderAndConfigurations() throws IOException {
        Path file = write("mqtt.json", """
                {
                  "feature-resource-version": "1.0",
                  "id": "dev.outrigger:mqtt:1.2.0",
                  "description": "Publishing",
                  "bundles": [
                    { "id": "dev.outrigger:dev.outrigger.mqtt:1.2.0", "start-order": 40 },
                    { "id": "org.example:lib:jar:linux:2.0" }
                  ],
                  "configurations": {
                    "dev.outrigger.mqtt": { "port": 1883, "tls": false },
                    "dev.outrigger.bridge~zigbee": { "port": 6638 }
                  }
                }
                """);
        Feature f = Feature.read(file);

        assertEquals("mqtt", f.name());
        assertEquals("Publishing", f.description());
        assertEquals(40, f.bundles().get(0).startOrder());
        assertEquals(Feature.DEFAULT_START_ORDER, f.bundles().get(1).startOrder());
        assertEquals("linux", f.bundles().get(1).artifact().classifier());
        assertEquals(1883L, ((Number) f.configurations().get("dev.outrigger.mqtt").get("port")).longValue());
        assertTrue(f.configurations().containsKey("dev.outrigger.bridge~zigbee"));
    }

    @Test
    public void namesTheFileAndTheMissingFieldWhenInvalid() throws IOException {
        Path file = write("broken.json", "{ \"bundles\": [] }");
        IOException e = assertThrows(IOException.class, () -> Feature.read(file));
        assertTrue(e.getMessage(), e.getMessage().contains("broken.json") && e.getMessage().contains("\"id\""));

        Path truncated = write("truncated.json", "{ \"id\": \"a:b:1\", \"bundles\": [ ");
        assertThrows(IOException.class, () -> Feature.read(truncated));
    }

    @Test
    public void mapsArtifactIdsToMavenLayout() {
        ArtifactId plain = ArtifactId.parse("org.apache.felix:org.apache.felix.scr:2.2.12");
        assertEquals(Path.of("repo/org/apache/felix/org.apache.felix.scr/2.2.12/org.apache.felix.scr-2.2.12.jar"),
                plain.in(Path.of("repo")));
        assertNull(plain.classifier());
        assertEquals("lib-2.0-linux.zip", ArtifactId.parse("org.example:lib:zip:linux:2.0").fileName());
        assertThrows(IllegalArgumentException.class, () -> ArtifactId.parse("just-a-name"));
    }

    private Path write(String name, String json) throws IOException {
        return Files.writeString(folder.getRoot().toPath().resolve(name), json);
    }
}
