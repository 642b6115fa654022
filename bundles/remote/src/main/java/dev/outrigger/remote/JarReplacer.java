package dev.outrigger.remote;

import static dev.outrigger.remote.JarDownloads.delete;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.bundles.BundleJars;
import dev.outrigger.framework.bundles.BundleUpdate;
import dev.outrigger.framework.bundles.MissingRequirement;
import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.framework.refresh.Refresh;

/**
 * Puts a jar in a bundle's place, or takes the bundle away, the way the bundle came: through its
 * file in {@code deploy/} (replaced atomically or deleted; FileInstall does the rest, and this
 * waits for it), or through the framework. Keeps the current jar first, to roll back to.
 */
final class JarReplacer {

    private static final Logger LOG = LoggerFactory.getLogger(JarReplacer.class);
    /** FileInstall polls deploy/ every half second; a refresh restarts the dependents. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    /** The framework's: the remote bundle's own context goes invalid when it updates itself, in mid-request. */
    private final BundleContext framework;
    private final Optional<Path> deploy;
    private final JarDownloads downloads;
    private final Refresh refresh;

    JarReplacer(BundleContext framework, Optional<Path> deploy, JarDownloads downloads) {
        this.framework = framework;
        this.deploy = deploy;
        this.downloads = downloads;
        this.refresh = new Refresh(framework);
    }

    /** Puts the jar in the bundle's place: through its file in deploy/ if given, else through the framework. */
    void replace(Bundle bundle, Path jar, Optional<Path> file, boolean start) throws BundleException, IOException {
        if (file.isPresent()) {
            long before = bundle.getLastModified();
            // in one step (FileInstall never sees half a jar) that a power cut cannot undo half-way
            DurableFile.replace(file.get(), out -> Files.copy(jar, out));
            // FileInstall updates, refreshes and starts it: wait for the end, or for the sign it cannot
            // come (resolving or starting it here as well would race FileInstall for the resolver's lock)
            boolean taken = settle(bundle, b -> b.getLastModified() != before
                    && (b.getState() == Bundle.ACTIVE || !start || isFragment(b) || missingRequirement(b).isPresent()));
            Optional<String> missing = missingRequirement(bundle);
            if (start && missing.isPresent()) {
                throw new BundleException(bundle.getSymbolicName() + " " + bundle.getVersion() + " cannot resolve: nothing "
                        + "installed provides " + missing.get(), BundleException.RESOLVE_ERROR);
            }
            // resolved but not started in time: starting it below says why (its activator failed, say)
            if (!taken && (bundle.getLastModified() == before || bundle.getState() != Bundle.RESOLVED)) {
                throw new IOException("the jar is in " + file.get() + " but FileInstall has not " + (start ? "started" : "taken")
                        + " it within " + SETTLE.toSeconds() + " s");
            }
        } else {
            try (InputStream in = Files.newInputStream(jar)) {
                BundleUpdate.update(bundle, Optional.of(in));
            }
            refreshIfPending(bundle);
        }
        // an active bundle comes back active by itself; starting it here says why when it cannot
        if (start && !isFragment(bundle) && bundle.getState() != Bundle.ACTIVE) {
            bundle.start();
        }
    }

    /**
     * The bundle's current jar, to roll back to: a copy of its file in deploy/, or else rebuilt from
     * its entries (the framework's own copy is not reachable through its API).
     */
    Path keep(Bundle bundle, Optional<Path> file) throws Refused {
        Path kept = null;
        try {
            kept = downloads.newFile("previous");
            if (file.isPresent()) {
                Files.copy(file.get(), kept, StandardCopyOption.REPLACE_EXISTING);
            } else {
                try (OutputStream out = Files.newOutputStream(kept)) {
                    BundleJars.write(bundle, out);
                }
            }
            return kept;
        } catch (IOException e) {
            if (kept != null) {
                delete(kept);
            }
            throw new Refused("failed", "cannot keep " + bundle.getSymbolicName() + " " + bundle.getVersion()
                    + " to roll back to, so it was not updated: " + e.getMessage());
        }
    }

    /** Takes the bundle away: its file deleted from deploy/ (FileInstall uninstalls it), or through the framework. */
    void remove(Bundle bundle, Optional<Path> file) throws BundleException, IOException {
        if (file.isPresent()) {
            Files.delete(file.get());
            if (!settle(bundle, b -> b.getState() == Bundle.UNINSTALLED)) {
                throw new IOException(file.get() + " is deleted but FileInstall has not uninstalled it within "
                        + SETTLE.toSeconds() + " s; see the gateway's log");
            }
        } else {
            bundle.uninstall();
            refreshIfPending(bundle);
        }
    }

    /** The bundle's jar in deploy/, if FileInstall installed it from there. */
    Optional<Path> deployFile(Bundle bundle) {
        return deploy.filter(d -> isIn(bundle, d)).map(d -> Path.of(URI.create(bundle.getLocation().replaceFirst("^reference:", ""))))
                .filter(Files::isRegularFile);
    }

    static boolean isIn(Bundle bundle, Path folder) {
        String location = bundle.getLocation().replaceFirst("^reference:", "");
        try {
            return location.startsWith("file:") && Path.of(URI.create(location)).getParent().equals(folder);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Waits, with a deadline, until the bundle is as wanted; woken by its events. */
    private boolean settle(Bundle bundle, Predicate<Bundle> wanted) {
        Object changed = new Object();
        BundleListener listener = event -> {
            if (event.getBundle().getBundleId() == bundle.getBundleId()) {
                synchronized (changed) {
                    changed.notifyAll();
                }
            }
        };
        framework.addBundleListener(listener);
        try {
            long deadline = System.nanoTime() + SETTLE.toNanos();
            synchronized (changed) {
                while (!wanted.test(bundle)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    // FileInstall starts a bundle after its UPDATED event: look again at every event
                    TimeUnit.NANOSECONDS.timedWait(changed, left);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            framework.removeBundleListener(listener);
        }
    }

    private Optional<String> missingRequirement(Bundle bundle) {
        return MissingRequirement.of(bundle, frameworkWiring());
    }

    private FrameworkWiring frameworkWiring() {
        return framework.getBundle().adapt(FrameworkWiring.class);
    }

    /** A bundle whose old revision others still use: refresh them onto the new one, and wait until done. */
    private void refreshIfPending(Bundle bundle) {
        if (!refresh.replaced(List.of(bundle), SETTLE)) {
            LOG.warn("Remote bundles: refreshing the users of {} takes longer than {} s", bundle.getSymbolicName(), SETTLE.toSeconds());
        }
    }

    static boolean isFragment(Bundle bundle) {
        return bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
    }
}
