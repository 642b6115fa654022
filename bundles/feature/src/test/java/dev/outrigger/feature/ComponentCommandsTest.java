package dev.outrigger.feature;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ComponentCommandsTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void theCommandsOfEveryComponentAreRead() throws Exception {
        // as bnd writes them: one value in the attribute, several one per line in the body
        Path jar = jar(Map.of(
                "OSGI-INF/a.Gps.xml", """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="a.Gps">
                          <property name="enabled" type="Boolean" value="true"/>
                          <property name="osgi.command.scope" type="String" value="gps"/>
                          <property name="osgi.command.function" type="String" value="status"/>
                          <implementation class="a.Gps"/>
                        </scr:component>
                        """,
                "OSGI-INF/a.Mesh.xml", """
                        <?xml version="1.0" encoding="UTF-8"?>
                        <components xmlns:scr="http://www.osgi.org/xmlns/scr/v1.1.0">
                          <scr:component name="a.Mesh">
                            <property name="osgi.command.function" type="String">nodes
                        send
                            </property>
                            <property name="osgi.command.scope" type="String" value="mesh"/>
                            <implementation class="a.Mesh"/>
                          </scr:component>
                          <scr:component name="a.Quiet"><implementation class="a.Quiet"/></scr:component>
                        </components>
                        """), "OSGI-INF/a.Gps.xml, OSGI-INF/a.Mesh.xml,OSGI-INF/missing.xml");

        assertEquals(Set.of("gps:status", "mesh:nodes", "mesh:send"), ComponentCommands.in(jar));
    }

    @Test
    public void aJarWithoutComponentsOffersNone() throws Exception {
        assertTrue(ComponentCommands.in(jar(Map.of(), null)).isEmpty());
    }

    @Test
    public void aDescriptorThatIsNoXmlIsNamed() throws Exception {
        Path jar = jar(Map.of("OSGI-INF/x.xml", "not xml"), "OSGI-INF/x.xml");

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(printed, true, StandardCharsets.UTF_8));
        IOException e;
        try {
            e = assertThrows(IOException.class, () -> ComponentCommands.in(jar));
        } finally {
            System.setErr(err);
        }
        assertTrue(e.getMessage(), e.getMessage().contains("!/OSGI-INF/x.xml is no component descriptor"));
        // said once, in the message: not also printed by the XML parser into the runtime's output
        assertEquals("", printed.toString(StandardCharsets.UTF_8));
    }

    private Path jar(Map<String, String> entries, String serviceComponent) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (serviceComponent != null) {
            manifest.getMainAttributes().putValue("Service-Component", serviceComponent);
        }
        Path jar = folder.newFile().toPath();
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Map.Entry<String, String> entry : new LinkedHashMap<>(entries).entrySet()) {
                out.putNextEntry(new JarEntry(entry.getKey()));
                out.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return jar;
    }
}
