package dev.outrigger.diagnostics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class NotABundleReporterTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private final NotABundleReporter reporter = new NotABundleReporter();

    @Test
    public void claimsCorruptAndPlainJarsButNotBundles() throws IOException {
        File corrupt = folder.newFile("corrupt.jar");
        Files.writeString(corrupt.toPath(), "half a download");
        File plain = jar("plain.jar", null);
        File bundle = jar("bundle.jar", "org.example.bundle");
        File text = folder.newFile("notes.txt");

        assertTrue(reporter.canHandle(corrupt));
        assertTrue(NotABundleReporter.whyNotABundle(corrupt).get().contains("not a readable jar"));
        assertTrue(reporter.canHandle(plain));
        assertTrue(NotABundleReporter.whyNotABundle(plain).get().contains("Bundle-SymbolicName"));
        assertFalse("a bundle is FileInstall's own business", reporter.canHandle(bundle));
        assertEquals(Optional.empty(), NotABundleReporter.whyNotABundle(bundle));
        assertFalse(reporter.canHandle(text));
    }

    private File jar(String name, String bsn) throws IOException {
        File file = folder.newFile(name);
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        }
        try (OutputStream out = Files.newOutputStream(file.toPath()); JarOutputStream jar = new JarOutputStream(out, m)) {
            return file;
        }
    }
}
