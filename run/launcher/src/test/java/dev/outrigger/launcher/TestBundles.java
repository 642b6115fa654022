package dev.outrigger.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Constants;

/** Bundles for the launcher's tests: a manifest and nothing else. */
final class TestBundles {

    private TestBundles() {
    }

    static Path jar(Path jar, String bsn, String version) throws IOException {
        return jar(jar, bsn, version, Map.of());
    }

    /** With more headers, such as an Import-Package nothing installed exports. */
    static Path jar(Path jar, String bsn, String version, Map<String, String> headers) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue(Constants.BUNDLE_MANIFESTVERSION, "2");
        m.getMainAttributes().putValue(Constants.BUNDLE_SYMBOLICNAME, bsn);
        m.getMainAttributes().putValue(Constants.BUNDLE_VERSION, version);
        headers.forEach(m.getMainAttributes()::putValue);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, m)) {
            return jar;
        }
    }
}
