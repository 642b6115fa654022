package dev.outrigger.feature;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The Gogo commands a bundle's jar offers, read from its Declarative Services descriptors without
 * installing it: each component's {@code osgi.command.scope} with its {@code osgi.command.function}s.
 */
final class ComponentCommands {

    /** The manifest header naming the descriptors; spelled out rather than importing Declarative Services' API for it. */
    private static final String SERVICE_COMPONENT = "Service-Component";
    private static final String SCOPE = "osgi.command.scope";
    private static final String FUNCTION = "osgi.command.function";

    private ComponentCommands() {
    }

    /** {@code scope:function} for each command of the jar's components; none for a jar without any. */
    static Set<String> in(Path jar) throws IOException {
        Set<String> commands = new LinkedHashSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            String descriptors = file.getManifest() == null ? null
                    : file.getManifest().getMainAttributes().getValue(SERVICE_COMPONENT);
            if (descriptors == null) {
                return commands;
            }
            DocumentBuilder parser = parser();
            for (String name : descriptors.split(",")) {
                ZipEntry entry = file.getEntry(name.trim());
                if (entry == null) {
                    continue; // a wildcard, or a descriptor the bundle lacks: SCR would skip it too
                }
                try (InputStream in = file.getInputStream(entry)) {
                    // the root itself, or several inside one root element
                    NodeList components = parser.parse(in).getElementsByTagNameNS("*", "component");
                    for (int i = 0; i < components.getLength(); i++) {
                        commands.addAll(commandsOf((Element) components.item(i)));
                    }
                } catch (SAXException e) {
                    throw new IOException(jar + "!/" + name.trim() + " is no component descriptor: " + e.getMessage(), e);
                }
            }
        }
        return commands;
    }

    private static Set<String> commandsOf(Element component) {
        String scope = null;
        Set<String> functions = new LinkedHashSet<>();
        NodeList properties = component.getElementsByTagName("property");
        for (int i = 0; i < properties.getLength(); i++) {
            Element property = (Element) properties.item(i);
            // one value in the attribute, or several, one per line, in the body
            String values = property.hasAttribute("value") ? property.getAttribute("value") : property.getTextContent();
            if (SCOPE.equals(property.getAttribute("name"))) {
                scope = values.strip();
            } else if (FUNCTION.equals(property.getAttribute("name"))) {
                values.lines().map(String::strip).filter(f -> !f.isEmpty()).forEach(functions::add);
            }
        }
        Set<String> commands = new LinkedHashSet<>();
        if (scope != null) {
            for (String function : functions) {
                commands.add(scope + ":" + function);
            }
        }
        return commands;
    }

    private static DocumentBuilder parser() throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder parser = factory.newDocumentBuilder();
            // its default handler would also print a failure to the runtime's output: the exception says it
            parser.setErrorHandler(new DefaultHandler());
            return parser;
        } catch (ParserConfigurationException e) {
            throw new IOException("no XML parser: " + e.getMessage(), e);
        }
    }
}
