package dev.outrigger.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The README's configuration reference, held to the schemas the shipped bundles carry. */
public class ReadmeIT {

    private static final Path README = Path.of(System.getProperty("outrigger.readme", "../README.md"));

    @Test
    public void everyConfigurationAndPropertyOfTheDistributionIsDocumented() throws Exception {
        String readme = Files.readString(README);
        Set<String> undocumented = new TreeSet<>();
        int properties = 0;
        try (Stream<Path> files = Files.walk(Distribution.HOME)) {
            for (Path jar : files.filter(f -> f.getFileName().toString().matches("dev\\.outrigger\\..*\\.jar")).toList()) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    for (ZipEntry entry : Collections.list(zip.entries())) {
                        if (!entry.getName().matches("OSGI-INF/metatype/.*\\.xml")) {
                            continue;
                        }
                        Document schema;
                        try (InputStream in = zip.getInputStream(entry)) {
                            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
                            factory.setNamespaceAware(true);
                            schema = factory.newDocumentBuilder().parse(in);
                        }
                        for (Element designate : elements(schema, "Designate")) {
                            String pid = designate.hasAttribute("factoryPid") ? designate.getAttribute("factoryPid")
                                    : designate.getAttribute("pid");
                            if (!readme.contains("`" + pid + "`")) {
                                undocumented.add(pid);
                            }
                        }
                        for (Element property : elements(schema, "AD")) {
                            properties++;
                            String id = property.getAttribute("id");
                            if (!readme.contains("`" + id + "`")) {
                                undocumented.add(jar.getFileName() + ": " + id);
                            }
                        }
                    }
                }
            }
        }
        assertTrue("the schemas were found: " + properties, properties > 50);
        assertEquals("configurations and properties the README does not name", Set.of(), undocumented);
    }

    private static Iterable<Element> elements(Document document, String name) {
        NodeList nodes = document.getElementsByTagNameNS("*", name);
        return () -> IntStream.range(0, nodes.getLength()).mapToObj(i -> (Element) nodes.item(i)).iterator();
    }
}
