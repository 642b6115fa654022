package dev.outrigger.feature;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
    public void aValueOfTheWrongKindIsNamedWithWhatItShouldBe() throws IOException {
        Path list = write("list.json", "{ \"id\": \"a:b:1\", \"bundles\": { \"id\": \"a:c:1\" } }");
        IOException notAList = assertThrows(IOException.class, () -> Feature.read(list));
        assertTrue(notAList.getMessage(), notAList.getMessage().endsWith("list.json: \"bundles\" is an object, not a list"));

        Path order = write("order.json", "{ \"id\": \"a:b:1\", \"bundles\": [ { \"id\": \"a:c:1\", \"start-order\": \"10\" } ] }");
        IOException notANumber = assertThrows(IOException.class, () -> Feature.read(order));
        assertTrue(notANumber.getMessage(), notANumber.getMessage().endsWith("order.json: \"start-order\" is a string, not a number"));

        Path id = write("id.json", "{ \"id\": \"dev.outrigger-mine\" }");
        IOException notAnId = assertThrows(IOException.class, () -> Feature.read(id));
        assertEquals(id + ": \"dev.outrigger-mine\" is not groupId:artifactId[:type[:classifier]]:version", notAnId.getMessage());
    }

    @Test
    public void aFileWrittenWrongTakesOnlyItselfAndWhatIncludesItOut() throws IOException {
        write("core.json", "{ \"id\": \"x:core:1\", \"bundles\": [ { \"id\": \"x:log:1\" } ] }");
        write("mine.json", "{ \"id\": \"me:mine:1\", \"bundles\": [ { \"id\": \"me:x:1\" }, ] }");
        write("all.json", """
                { "id": "x:all:1", "extensions": { "dev.outrigger.includes": { "kind": "mandatory",
                  "artifacts": [ { "id": "x:core:1" }, { "id": "me:mine:1" } ] } } }
                """);

        Feature.Catalog catalog = Feature.catalog(folder.getRoot().toPath());

        assertEquals(List.of("core"), catalog.features().stream().map(Feature::name).toList());
        assertEquals(List.of("all.json", "mine.json"), catalog.unreadable().keySet().stream().sorted().toList());
        String mine = catalog.unreadable().get("mine.json");
        assertTrue("where, not the whole file: " + mine, mine.contains("mine.json is not valid JSON (")
                && mine.endsWith(" at line 1, column 55)") && !mine.contains("me:x:1"));
        assertTrue(catalog.unreadable().get("all.json"),
                catalog.unreadable().get("all.json").contains("includes me:mine:1, which is not there or cannot be read"));
        IOException all = assertThrows(IOException.class, catalog::all);
        assertTrue(all.getMessage(), all.getMessage().contains("mine.json is not valid JSON"));
    }

    @Test
    public void aFeatureIncludingOthersHasTheirBundlesAndConfigurationsOnceItsOwnLast() throws IOException {
        write("core.json", """
                { "id": "dev.outrigger:core:1", "bundles": [ { "id": "org.example:log:1", "start-order": 1 } ],
                  "configurations": { "shell": { "port": 7171 } } }
                """);
        write("serial.json", """
                { "id": "dev.outrigger:serial:1",
                  "bundles": [ { "id": "org.example:serial:1" }, { "id": "org.example:native:1", "start-order": 40 } ],
                  "configurations": { "bridge": { "bind": "127.0.0.1" } } }
                """);
        write("mesh.json", """
                { "id": "dev.outrigger:mesh:1", "bundles": [ { "id": "org.example:native:1", "start-order": 40 }, { "id": "org.example:mesh:1" } ] }
                """);
        write("gateway.json", """
                { "id": "dev.outrigger:gateway:1",
                  "extensions": { "dev.outrigger.includes": { "type": "artifacts", "kind": "mandatory",
                    "artifacts": [ { "id": "dev.outrigger:core:1" }, { "id": "dev.outrigger:serial:1" }, { "id": "dev.outrigger:mesh:1" } ] } },
                  "configurations": { "bridge": { "bind": "0.0.0.0" } } }
                """);
        List<Feature> all = Feature.readAll(folder.getRoot().toPath());
        Feature gateway = all.stream().filter(f -> f.name().equals("gateway")).findFirst().orElseThrow();

        assertEquals(List.of("org.example:log:1", "org.example:serial:1", "org.example:native:1", "org.example:mesh:1"),
                gateway.bundles().stream().map(e -> e.artifact().toString()).toList());
        assertEquals(1, gateway.bundles().get(0).startOrder());
        assertEquals(7171L, ((Number) gateway.configurations().get("shell").get("port")).longValue());
        assertEquals("its own configuration wins", "0.0.0.0", gateway.configurations().get("bridge").get("bind"));
        Feature serial = all.stream().filter(f -> f.name().equals("serial")).findFirst().orElseThrow();
        assertTrue(gateway.includes(serial, all));
        assertFalse(serial.includes(gateway, all));
    }

    @Test
    public void aMissingOrCircularIncludeAndAnUnknownMandatoryExtensionAreErrors() throws IOException {
        write("a.json", """
                { "id": "x:a:1", "extensions": { "dev.outrigger.includes": { "kind": "mandatory", "artifacts": [ { "id": "x:b:1" } ] } } }
                """);
        IOException missing = assertThrows(IOException.class, () -> Feature.readAll(folder.getRoot().toPath()));
        assertTrue(missing.getMessage(), missing.getMessage().contains("includes x:b:1, which is not there"));

        write("b.json", """
                { "id": "x:b:1", "extensions": { "dev.outrigger.includes": { "kind": "mandatory", "artifacts": [ { "id": "x:a:1" } ] } } }
                """);
        IOException circle = assertThrows(IOException.class, () -> Feature.readAll(folder.getRoot().toPath()));
        assertTrue(circle.getMessage(), circle.getMessage().contains("include each other"));

        Path unknown = write("c.json", """
                { "id": "x:c:1", "extensions": { "org.example.apis": { "type": "json", "kind": "mandatory", "json": {} },
                                                 "org.example.notes": { "type": "text", "kind": "optional", "text": "" } } }
                """);
        IOException refused = assertThrows(IOException.class, () -> Feature.read(unknown));
        assertTrue(refused.getMessage(), refused.getMessage().contains("org.example.apis") && refused.getMessage().contains("c.json"));
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
