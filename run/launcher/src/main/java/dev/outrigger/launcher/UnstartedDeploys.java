package dev.outrigger.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;

import dev.outrigger.framework.files.DurableFile;

/**
 * The bundles FileInstall installed from {@code deploy/} and has not started yet. It installs a
 * folder's new jars first and starts them after; a stop in between (systemd stopping a gateway
 * that is still coming up, a power cut) leaves them installed and never started, which FileInstall
 * takes for stopped on purpose and leaves so. Each is recorded when installed and forgotten once
 * started; before the framework starts, those still recorded are started (persistently: their
 * start level brings them up), so a bundle someone stopped stays stopped and the rest come up.
 * One whose start was asked for and failed (it does not resolve) is left to the framework, which
 * tries it again at its start level and says why it cannot.
 */
final class UnstartedDeploys implements SynchronousBundleListener {

    private final Path file;
    private final Path deploy;
    private final Set<String> unstarted = new TreeSet<>();

    UnstartedDeploys(Path file, Path deploy) throws IOException {
        this.file = file;
        this.deploy = deploy.toAbsolutePath().normalize();
        if (Files.exists(file)) {
            Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).forEach(unstarted::add);
        }
    }

    /** Before the framework starts: starts what the last run installed but did not start. */
    synchronized void finish(BundleContext context) throws IOException {
        Set<String> waiting = new HashSet<>();
        for (Bundle b : context.getBundles()) {
            if (!unstarted.contains(b.getLocation()) || b.adapt(BundleStartLevel.class).isPersistentlyStarted()) {
                continue;
            }
            waiting.add(b.getLocation());
            try {
                b.start();
                System.err.printf(Locale.ROOT, "outrigger: %s %s was installed from deploy/ but not started before the last stop;"
                        + " starting it%n", b.getSymbolicName(), b.getVersion());
            } catch (BundleException e) {
                System.err.printf(Locale.ROOT, "outrigger: %s %s, installed from deploy/, cannot be started: %s%n", b.getSymbolicName(),
                        b.getVersion(), e.getMessage());
            }
        }
        if (unstarted.retainAll(waiting)) {
            store();
        }
    }

    @Override
    public synchronized void bundleChanged(BundleEvent event) {
        Bundle bundle = event.getBundle();
        if (!Sources.fileOf(bundle.getLocation()).map(jar -> jar.startsWith(deploy)).orElse(false)) {
            return;
        }
        boolean changed = switch (event.getType()) {
            case BundleEvent.INSTALLED -> bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null && unstarted.add(bundle.getLocation());
            case BundleEvent.STARTED, BundleEvent.UNINSTALLED -> unstarted.remove(bundle.getLocation());
            default -> false;
        };
        if (changed) {
            try {
                store();
            } catch (IOException e) {
                System.err.printf(Locale.ROOT, "outrigger: cannot record %s as not started yet (%s): should the runtime stop before"
                        + " it starts, start it from the shell%n", bundle.getLocation(), e.getMessage());
            }
        }
    }

    private void store() throws IOException {
        DurableFile.replace(file, String.join("\n", unstarted).getBytes(StandardCharsets.UTF_8));
    }
}
