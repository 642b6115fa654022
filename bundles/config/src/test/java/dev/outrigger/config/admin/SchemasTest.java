package dev.outrigger.config.admin;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.lang.reflect.Proxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeService;

import dev.outrigger.config.admin.Attribute.Bounds;

public class SchemasTest {

    @Rule
    public TemporaryFolder temporary = new TemporaryFolder();

    @Test
    public void whatIsExpectedIncludesTheDeclaredBounds() {
        assertEquals("an integer from 1 to 65535", Schemas.expected(attribute(AttributeDefinition.INTEGER, "1", "65535")));
        assertEquals("an integer, at least 10", Schemas.expected(attribute(AttributeDefinition.INTEGER, "10", null)));
        assertEquals("a number, at most 2.5", Schemas.expected(attribute(AttributeDefinition.DOUBLE, null, "2.5")));
        assertEquals("a string of 3 to 8 characters", Schemas.expected(attribute(AttributeDefinition.STRING, "3", "8")));
        assertEquals("an integer", Schemas.expected(attribute(AttributeDefinition.INTEGER, null, null)));
        assertEquals("a bound that is no number is left out, as Metatype does", "true or false",
                Schemas.expected(attribute(AttributeDefinition.BOOLEAN, "0", null)));
    }

    @Test
    public void aValueOutOfBoundsIsRejectedSayingTheBounds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schemas.convert(attribute(AttributeDefinition.INTEGER, "1", "65535"), "70000"));
        assertEquals("70000 rejected (out of bounds), expected an integer from 1 to 65535", e.getMessage());
        assertEquals(6638, Schemas.convert(attribute(AttributeDefinition.INTEGER, "1", "65535"), "6638"));
    }

    @Test
    public void aControlCharacterIsRejectedSoThatNoLogLineOrTerminalShowsIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Schemas.convert(attribute(AttributeDefinition.STRING, null, null), "/dev/tty\nUSB0\u001b[31m"));
        assertEquals("/dev/tty?USB0?[31m rejected: a control character (shown as ?) has no place in a setting, expected a string",
                e.getMessage());
        assertEquals("other Unicode is welcome", "Garage \uD83D\uDE90", Schemas.convert(attribute(AttributeDefinition.STRING, null, null),
                "Garage \uD83D\uDE90"));
    }

    @Test
    public void boundsAreReadFromTheMetatypeXmlAndAFileWithoutDesignatesHasNone() throws Exception {
        Path folder = temporary.newFolder("metatype").toPath();
        Files.writeString(folder.resolve("bridge.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.4.0">
                  <OCD id="dev.outrigger.bridge" name="Bridge">
                    <AD id="port" type="Integer" min="1" max="65535"/>
                    <AD id="device" type="String"/>
                  </OCD>
                  <Designate factoryPid="dev.outrigger.bridge"><Object ocdref="dev.outrigger.bridge"/></Designate>
                </metatype:MetaData>
                """);
        // a third party's file may declare definitions without designating them, or nothing at all
        Files.writeString(folder.resolve("loose.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <metatype:MetaData xmlns:metatype="http://www.osgi.org/xmlns/metatype/v1.4.0"><OCD id="x" name="x"/></metatype:MetaData>
                """);
        Files.writeString(folder.resolve("broken.xml"), "<metatype:MetaData");

        Map<String, Map<String, Bounds>> bounds = Schemas.bounds(bundleWith(folder));

        assertEquals(Set.of("dev.outrigger.bridge"), bounds.keySet());
        assertEquals(new Bounds(Optional.of("1"), Optional.of("65535")), bounds.get("dev.outrigger.bridge").get("port"));
        assertEquals(Bounds.NONE, bounds.get("dev.outrigger.bridge").get("device"));
    }

    /**
     * A bundle uninstalled between the look at which bundles there are and the read of its schemas
     * (a feature uninstalled as health is asked): Felix then refuses to read its files, and it
     * declares nothing. The same refusal for a bundle still there is no such case, and is not hidden.
     */
    @Test
    public void aBundleUninstalledWhileItsSchemasAreReadDeclaresNone() {
        AtomicInteger state = new AtomicInteger(Bundle.ACTIVE);
        Bundle bundle = (Bundle) Proxy.newProxyInstance(SchemasTest.class.getClassLoader(), new Class<?>[] { Bundle.class },
                (proxy, method, args) -> switch (method.getName()) {
                    case "getState" -> state.get();
                    case "hashCode" -> 1;
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        BundleContext context = (BundleContext) Proxy.newProxyInstance(SchemasTest.class.getClassLoader(),
                new Class<?>[] { BundleContext.class }, (proxy, method, args) -> new Bundle[] { bundle });
        MetaTypeService metaType = (MetaTypeService) Proxy.newProxyInstance(SchemasTest.class.getClassLoader(),
                new Class<?>[] { MetaTypeService.class }, (proxy, method, args) -> {
                    if (state.get() == Bundle.STOPPING) {
                        state.set(Bundle.UNINSTALLED); // as Felix: uninstalled by now, and so unreadable
                    }
                    throw new IllegalStateException("The bundle is uninstalled.");
                });
        Schemas schemas = new Schemas(context, metaType);

        assertThrows("still there: the refusal is a fault", IllegalStateException.class, schemas::all);
        state.set(Bundle.STOPPING);
        assertEquals(Map.of(), schemas.all());
        state.set(Bundle.STOPPING);
        assertEquals(Optional.empty(), schemas.find("dev.outrigger.bridge"));
        state.set(Bundle.STOPPING);
        assertEquals(Set.of(), schemas.pids(bundle));
    }

    /** A bundle whose OSGI-INF/metatype entries are the XML files of a folder. */
    private static Bundle bundleWith(Path folder) {
        return (Bundle) Proxy.newProxyInstance(SchemasTest.class.getClassLoader(), new Class<?>[] { Bundle.class },
                (proxy, method, args) -> {
                    if (!method.getName().equals("findEntries")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    List<URL> urls = new ArrayList<>();
                    try (Stream<Path> files = Files.list(folder)) {
                        for (Path file : files.sorted().toList()) {
                            urls.add(file.toUri().toURL());
                        }
                    }
                    return Collections.enumeration(urls);
                });
    }

    /** An attribute whose validation, like Metatype's, only says that a value is out of bounds. */
    private static Attribute attribute(int type, String min, String max) {
        AttributeDefinition definition = new AttributeDefinition() {
            @Override
            public String getName() {
                return "Port";
            }

            @Override
            public String getID() {
                return "port";
            }

            @Override
            public String getDescription() {
                return null;
            }

            @Override
            public int getCardinality() {
                return 0;
            }

            @Override
            public int getType() {
                return type;
            }

            @Override
            public String[] getOptionValues() {
                return null;
            }

            @Override
            public String[] getOptionLabels() {
                return null;
            }

            @Override
            public String validate(String value) {
                return value.equals("70000") ? "out of bounds" : "";
            }

            @Override
            public String[] getDefaultValue() {
                return null;
            }
        };
        return new Attribute(definition, new Bounds(Optional.ofNullable(min), Optional.ofNullable(max)));
    }
}
