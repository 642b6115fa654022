package dev.outrigger.framework.bundles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

import org.osgi.framework.Bundle;

/**
 * A jar of an installed bundle, made from its entries: the framework keeps the jar it installed,
 * but its API gives no way to it. What is needed to put a bundle back as it is now (after a failed
 * update, or when the framework's cache lost it).
 */
public final class BundleJars {

    private BundleJars() {
    }

    /**
     * Writes the bundle's jar, its manifest first as jar readers expect.
     *
     * @throws IllegalStateException when the bundle was uninstalled meanwhile
     */
    public static void write(Bundle bundle, OutputStream target) throws IOException {
        JarOutputStream out = new JarOutputStream(target);
        URL manifest = bundle.getEntry(JarFile.MANIFEST_NAME);
        if (manifest != null) {
            out.putNextEntry(new JarEntry("META-INF/"));
            out.closeEntry();
            copy(manifest, JarFile.MANIFEST_NAME, out);
        }
        copyEntries(bundle, "/", out);
        out.finish();
    }

    private static void copyEntries(Bundle bundle, String folder, JarOutputStream out) throws IOException {
        Enumeration<String> paths = bundle.getEntryPaths(folder);
        while (paths != null && paths.hasMoreElements()) {
            String path = paths.nextElement();
            if (path.equals("META-INF/") || path.equals(JarFile.MANIFEST_NAME)) {
                // written first; what else META-INF holds follows
                if (path.endsWith("/")) {
                    copyEntries(bundle, path, out);
                }
                continue;
            }
            if (path.endsWith("/")) {
                out.putNextEntry(new JarEntry(path));
                out.closeEntry();
                copyEntries(bundle, path, out);
            } else {
                copy(bundle.getEntry(path), path, out);
            }
        }
    }

    private static void copy(URL entry, String path, JarOutputStream out) throws IOException {
        out.putNextEntry(new JarEntry(path));
        try (InputStream in = entry.openStream()) {
            in.transferTo(out);
        }
        out.closeEntry();
    }
}
