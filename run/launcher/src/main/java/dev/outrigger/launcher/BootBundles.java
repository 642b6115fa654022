package dev.outrigger.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Brings the framework's installed bundles in line with {@code bundle/} before it starts.
 * The framework cache keeps everything else (bundles installed from the shell or by FileInstall,
 * updates, started state) across restarts, so this only installs jars that are new, updates those
 * whose jar changed since it was installed (told by {@link Sources}' fingerprints, not by time
 * stamps), and removes those whose jar was deleted. A jar is opened only when its fingerprint is new.
 */
final class BootBundles {

    private static final int DEFAULT_START_LEVEL = 80;
    /** Recorded as the symbolic name of a jar that is not a bundle. */
    private static final String NOT_A_BUNDLE = "-";

    private final BundleContext context;
    private final Path folder;
    private final Properties startLevels = new Properties();
    private final Sources sources;

    BootBundles(BundleContext context, Path folder, Path startLevelsFile, Sources sources) throws IOException {
        this.context = context;
        this.folder = folder;
        this.sources = sources;
        if (Files.exists(startLevelsFile)) {
            try (Reader in = Files.newBufferedReader(startLevelsFile)) {
                startLevels.load(in);
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
            String location = jar.toUri().toString();
            String fingerprint = Sources.fingerprint(jar);
            Optional<Sources.Source> was = sources.recorded(location);
            boolean unchanged = was.isPresent() && was.get().fingerprint().equals(fingerprint);
            String bsn = unchanged ? was.get().symbolicName() : symbolicName(jar);
            sources.record(location, new Sources.Source(fingerprint, bsn));
            if (bsn.equals(NOT_A_BUNDLE) || bsn.equals(systemBundle)) {
                continue;
            }
            present.add(bsn);
            Bundle bundle = installed.get(bsn);
            if (bundle == null) {
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle = context.installBundle(location, in);
                }
                toStart.add(bundle);
            } else if (!unchanged) {
                // changed since it was installed (or installed before fingerprints were kept)
                try (InputStream in = Files.newInputStream(jar)) {
                    bundle.update(in);
                }
                toStart.add(bundle);
            }
            bundle.adapt(BundleStartLevel.class).setStartLevel(Integer.parseInt(
                    startLevels.getProperty(jar.getFileName().toString(), Integer.toString(DEFAULT_START_LEVEL)).trim()));
        }
        String bootLocation = folder.toUri().toString();
        for (Bundle b : context.getBundles()) {
            if (b.getLocation().startsWith(bootLocation) && !present.contains(b.getSymbolicName())) {
                sources.forget(b.getLocation());
                b.uninstall();
            }
        }
        sources.store();
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

    private static String symbolicName(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String bsn = manifest == null ? null : manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
            return bsn == null ? NOT_A_BUNDLE : bsn.split(";")[0].trim();
        }
    }
}
