package dev.outrigger.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;

import dev.outrigger.framework.bundles.BundleJars;
import dev.outrigger.framework.files.DurableFile;

/**
 * A copy of every bundle installed from outside the distribution (from the shell, or remotely),
 * with its start level and whether it is started, in {@code data/kept-bundles/}. The framework
 * cache is such a bundle's only home otherwise, and a power cut that damages its entry there loses
 * it without a word. Before the framework starts, a kept bundle it no longer has is installed
 * again from its copy, under its old location, and said in one line. Bundles from {@code bundle/},
 * {@code deploy/} and {@code repository/} come back from their jars and are not copied.
 */
final class KeptBundles implements BundleListener {

    private static final String INDEX = "index.properties";

    /** What is kept of a bundle: its copy's file name, start level, and whether it is to be started. */
    private record Kept(String file, int startLevel, boolean started) {

        static Kept parse(String value) {
            String[] fields = value.split(" ");
            return new Kept(fields[0], Integer.parseInt(fields[1]), Boolean.parseBoolean(fields[2]));
        }

        @Override
        public String toString() {
            return file + " " + startLevel + " " + started;
        }
    }

    private final Path folder;
    private final List<Path> distribution;
    private final Properties index = new Properties();

    KeptBundles(Path folder, Path home) throws IOException {
        this.folder = folder;
        this.distribution = List.of(home.resolve("bundle"), home.resolve("deploy"), home.resolve("repository"));
        Files.createDirectories(folder);
        Path file = folder.resolve(INDEX);
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                index.load(in);
            }
        }
    }

    /** Before the framework starts: installs again what its cache lost, and keeps what is not kept yet. */
    synchronized void restore(BundleContext context) throws IOException {
        Set<String> installed = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            installed.add(b.getLocation());
        }
        for (String location : index.stringPropertyNames()) {
            if (!installed.contains(location)) {
                reinstall(context, location, Kept.parse(index.getProperty(location)));
            }
        }
        for (Bundle b : context.getBundles()) {
            if (keeps(b) && !index.containsKey(b.getLocation())) {
                keep(b);
            }
        }
    }

    private void reinstall(BundleContext context, String location, Kept kept) {
        Path jar = folder.resolve(kept.file());
        try (InputStream in = Files.newInputStream(jar)) {
            Bundle b = context.installBundle(location, in);
            b.adapt(BundleStartLevel.class).setStartLevel(kept.startLevel());
            if (kept.started()) {
                b.start(); // persistently: it starts with the framework
            }
            System.err.printf(Locale.ROOT, "outrigger: %s %s (%s) was gone from the framework cache (damaged by a power cut or a disk"
                    + " error?); installed again from its copy in %s%n", b.getSymbolicName(), b.getVersion(), location, jar);
        } catch (IOException | BundleException | RuntimeException e) {
            System.err.printf(Locale.ROOT, "outrigger: %s is gone from the framework cache and cannot be installed again from %s: %s;"
                    + " install it again%n", location, jar, e.getMessage());
        }
    }

    @Override
    public synchronized void bundleChanged(BundleEvent event) {
        Bundle bundle = event.getBundle();
        if (!keeps(bundle)) {
            return;
        }
        try {
            switch (event.getType()) {
                case BundleEvent.INSTALLED, BundleEvent.UPDATED -> keep(bundle);
                case BundleEvent.UNINSTALLED -> forget(bundle.getLocation());
                case BundleEvent.STARTED, BundleEvent.STOPPED -> restate(bundle);
                default -> {
                    // resolved, starting, stopping: nothing kept changes
                }
            }
        } catch (IOException | IllegalStateException e) {
            // IllegalStateException: uninstalled meanwhile, its own event follows
            System.err.printf(Locale.ROOT, "outrigger: cannot keep a copy of %s (%s): %s; a damaged framework cache would lose it%n",
                    bundle.getSymbolicName(), bundle.getLocation(), e.getMessage());
        }
    }

    private void keep(Bundle bundle) throws IOException {
        String file = UUID.nameUUIDFromBytes(bundle.getLocation().getBytes(StandardCharsets.UTF_8)) + ".jar";
        DurableFile.replace(folder.resolve(file), out -> BundleJars.write(bundle, out));
        index.setProperty(bundle.getLocation(), state(bundle, file).toString());
        store();
    }

    /**
     * Before the framework stops: a start level changed from the shell ({@code bundlelevel}) fires
     * no event, so it is kept here at the latest.
     */
    synchronized void restateAll(Bundle[] bundles) {
        for (Bundle b : bundles) {
            try {
                restate(b);
            } catch (IOException | IllegalStateException e) {
                System.err.printf(Locale.ROOT, "outrigger: cannot keep the start level of %s: %s%n", b.getSymbolicName(),
                        e.getMessage());
            }
        }
    }

    /** Started or stopped: whether it starts with the framework may have changed (not at a framework stop). */
    private void restate(Bundle bundle) throws IOException {
        String was = index.getProperty(bundle.getLocation());
        if (was != null) {
            String now = state(bundle, Kept.parse(was).file()).toString();
            if (!now.equals(was)) {
                index.setProperty(bundle.getLocation(), now);
                store();
            }
        }
    }

    private void forget(String location) throws IOException {
        String was = (String) index.remove(location);
        if (was != null) {
            store();
            Files.deleteIfExists(folder.resolve(Kept.parse(was).file()));
        }
    }

    private static Kept state(Bundle bundle, String file) {
        BundleStartLevel level = bundle.adapt(BundleStartLevel.class);
        return new Kept(file, level.getStartLevel(), level.isPersistentlyStarted());
    }

    private void store() throws IOException {
        DurableFile.replace(folder.resolve(INDEX), out -> index.store(out, "bundles kept for a damaged framework cache: "
                + "location = copy, start level, started"));
    }

    /** Everything but the framework itself and the distribution's jars. */
    private boolean keeps(Bundle bundle) {
        if (bundle.getBundleId() == 0) {
            return false;
        }
        return Sources.fileOf(bundle.getLocation()).map(jar -> distribution.stream().noneMatch(jar::startsWith)).orElse(true);
    }
}
