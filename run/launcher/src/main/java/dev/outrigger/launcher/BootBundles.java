package dev.outrigger.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Brings the framework's installed bundles in line with {@code bundle/} before it starts.
 * The framework cache keeps everything else (bundles installed from the shell or by FileInstall,
 * updates, started state) across restarts, so this only installs jars that are new, updates those
 * whose jar changed since it was installed, and removes those whose jar was deleted.
 *
 * <p>A jar's change is told by its fingerprint (the names, CRCs and sizes in its central
 * directory), kept next to the framework cache, not by its time stamp: the distribution's files all
 * carry the same one (reproducible builds), so a newer distribution's jars are not newer files.
 */
final class BootBundles {

    private static final int DEFAULT_START_LEVEL = 80;
    private static final String FINGERPRINTS = "boot-bundles.properties";

    private final BundleContext context;
    private final Path folder;
    private final Properties startLevels = new Properties();
    /** Symbolic name: the fingerprint of the jar it was last installed or updated from. */
    private final Properties fingerprints = new Properties();
    private final Path fingerprintsFile;

    BootBundles(BundleContext context, Path folder, Path startLevelsFile) throws IOException {
        this.context = context;
        this.folder = folder;
        load(startLevels, startLevelsFile);
        this.fingerprintsFile = context.getDataFile(FINGERPRINTS).toPath();
        load(fingerprints, fingerprintsFile);
    }

    private static void load(Properties properties, Path file) throws IOException {
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                properties.load(in);
            }
        }
    }

    void synchronize() throws IOException, BundleException {
        Map<String, Bundle> installed = new HashMap<>();
        for (Bundle b : context.getBundles()) {
            installed.put(b.getSymbolicName(), b);
        }
        String systemBundle = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getSymbolicName();
        Set<String> present = new HashSet<>();
        List<Bundle> toStart = new ArrayList<>();
        for (Path jar : jars()) {
            JarIdentity identity = identity(jar);
            String bsn = identity.symbolicName();
            if (bsn == null || bsn.equals(systemBundle)) {
                continue;
            }
            present.add(bsn);
            Bundle bundle = installed.get(bsn);
            if (bundle == null) {
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle = context.installBundle(jar.toUri().toString(), in);
                }
                toStart.add(bundle);
            } else if (!identity.fingerprint().equals(fingerprints.getProperty(bsn))) {
                // changed since it was installed (or installed before fingerprints were kept)
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle.update(in);
                }
                toStart.add(bundle);
            }
            fingerprints.setProperty(bsn, identity.fingerprint());
            bundle.adapt(BundleStartLevel.class).setStartLevel(Integer.parseInt(
                    startLevels.getProperty(jar.getFileName().toString(), Integer.toString(DEFAULT_START_LEVEL)).trim()));
        }
        String bootLocation = folder.toUri().toString();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(bootLocation) && !present.contains(b.getSymbolicName())) {
                b.uninstall();
            }
        }
        fingerprints.keySet().retainAll(present);
        try (Writer out = Files.newBufferedWriter(fingerprintsFile)) {
            fingerprints.store(out, "fingerprints of the jars in " + folder + " the installed bundles came from");
        }
        for (Bundle b : toStart) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                b.start(); // persistent: the start level brings it up once the framework starts
            }
        }
    }

    private List<Path> jars() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }

    /** A jar's symbolic name (null: not a bundle) and fingerprint. */
    private record JarIdentity(String symbolicName, String fingerprint) {
    }

    /** Reads the manifest and the central directory only, not the entries' contents. */
    private static JarIdentity identity(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String bsn = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            CRC32 print = new CRC32();
            long entries = 0;
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements();) {
                JarEntry entry = e.nextElement();
                print.update((entry.getName() + ':' + entry.getCrc() + ':' + entry.getSize() + '\n').getBytes(StandardCharsets.UTF_8));
                entries++;
            }
            return new JarIdentity(bsn == null ? null : bsn.split(";")[0].trim(),
                    Long.toHexString(print.getValue()) + "-" + entries + "-" + Files.size(jar));
        }
    }
}
