package dev.outrigger.remote;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.osgi.framework.Constants;
import org.osgi.framework.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bundle jars for remote installs, in a folder of this bundle's data area: fetched over http(s),
 * pinned by their SHA-256 and limited in size. What a stop or a crash left there is removed at
 * start.
 */
final class JarDownloads {

    private static final Logger LOG = LoggerFactory.getLogger(JarDownloads.class);
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 30_000;

    private final Path folder;
    private final long maxBytes;

    JarDownloads(Path folder, long maxBytes) {
        this.folder = folder;
        this.maxBytes = maxBytes;
        removeLeftovers();
    }

    /** Downloads a stop or a crash interrupted. */
    private void removeLeftovers() {
        try (var files = Files.list(folder)) {
            files.forEach(JarDownloads::delete);
        } catch (IOException e) {
            // no folder yet: nothing left over
        }
    }

    /** A new, empty file in the folder. */
    Path newFile(String prefix) throws IOException {
        Files.createDirectories(folder);
        return Files.createTempFile(folder, prefix, ".jar");
    }

    /** Fetches the jar, refusing it unless it has the given digest and stays within the size limit. */
    Path fetch(URI url, String sha256) throws Refused {
        String source = shown(url);
        Path jar;
        try {
            jar = newFile("bundle");
        } catch (IOException e) {
            throw new Refused("failed", "cannot store a download in " + folder + ": " + e.getMessage());
        }
        try {
            URLConnection connection = url.toURL().openConnection();
            connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
            connection.setReadTimeout(READ_TIMEOUT_MS);
            if (connection instanceof HttpURLConnection http && http.getResponseCode() != HttpURLConnection.HTTP_OK) {
                throw new Refused("failed", "cannot fetch " + source + ": HTTP " + http.getResponseCode());
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(connection.getInputStream(), digest);
                    OutputStream out = Files.newOutputStream(jar)) {
                byte[] buffer = new byte[16384];
                long total = 0;
                for (int n; (n = in.read(buffer)) > 0;) {
                    total += n;
                    if (total > maxBytes) {
                        throw new Refused("invalid", source + " is larger than maxBundleBytes (" + maxBytes + ")");
                    }
                    out.write(buffer, 0, n);
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(sha256)) {
                throw new Refused("invalid", source + " has SHA-256 " + actual + ", not the " + sha256 + " asked for; nothing installed");
            }
            return jar;
        } catch (IOException e) {
            delete(jar);
            throw new Refused("failed", "cannot fetch " + source + ": " + e);
        } catch (Refused e) {
            delete(jar);
            throw e;
        } catch (NoSuchAlgorithmException e) {
            delete(jar);
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static Manifest manifest(Path jar, URI url) throws Refused {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) == null) {
                throw new Refused("invalid", shown(url) + " is not an OSGi bundle: its manifest has no Bundle-SymbolicName");
            }
            return manifest;
        } catch (IOException e) {
            throw new Refused("invalid", shown(url) + " is not a jar: " + e.getMessage());
        }
    }

    static String version(Manifest manifest, URI url) throws Refused {
        try {
            return Version.parseVersion(manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION)).toString();
        } catch (IllegalArgumentException e) {
            throw new Refused("invalid", shown(url) + " has an invalid Bundle-Version: " + e.getMessage());
        }
    }

    /** A URL as it may be shown and logged: without credentials. */
    static String shown(URI url) {
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), url.getQuery(), null).toString();
        } catch (URISyntaxException e) {
            return url.getScheme() + "://" + url.getHost();
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Remote bundles: cannot delete {}: {}", file, e.getMessage());
        }
    }
}
