package dev.outrigger.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import dev.outrigger.framework.memory.MemoryHeadroom;
import dev.outrigger.framework.updates.UnconfirmedUpdates;

import sun.misc.Signal;

/**
 * Starts Felix in the foreground with the distribution's layout: framework properties from
 * {@code etc/config.properties}, the infrastructure bundles from {@code bundle/}, the framework
 * cache under {@code data/}. SIGTERM and SIGINT stop the framework and exit with status 0, which
 * is what a container runtime or systemd expects of a well-behaved service.
 */
public final class Main {

    /** Stopping takes longer than this only when a bundle hangs in its deactivation. */
    private static final long STOP_TIMEOUT_MS = Long.getLong("outrigger.stop.timeout", 4_000);
    /** When a signal asked to stop (System.nanoTime), 0 before: for the line that says how long the stop took. */
    private static volatile long stopAsked;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        long launched = System.nanoTime();
        // Nothing here is translated, and the host's locale breaks what is not ours: Felix writes the
        // Java version into the system bundle's exports with the locale's digits, which under Arabic
        // or Persian ones are no version at all, so nothing resolves; Turkish lower-cases "I" to "ı".
        Locale.setDefault(Locale.ROOT);
        Path home = Path.of(System.getProperty("outrigger.home", ".")).toAbsolutePath().normalize();
        Path data = Path.of(System.getProperty("outrigger.data", home.resolve("data").toString())).toAbsolutePath();
        Optional<String> holder = lockOrExit(data);
        if (holder.isPresent()) {
            System.err.printf(Locale.ROOT,
                    "outrigger: another Outrigger (%s) runs on %s; not starting a second one on the same data folder"
                    + " (OUTRIGGER_DATA names another)%n", holder.get(), data);
            System.exit(1);
        }
        Map<String, String> properties = FrameworkProperties.load(home, data);
        Path unconfirmed = data.resolve("unconfirmed-updates");
        properties.put(UnconfirmedUpdates.FOLDER_PROPERTY, unconfirmed.toString());

        Framework framework = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new IllegalStateException("no OSGi framework on the class path"))
                .newFramework(properties);
        try {
            framework.init();
        } catch (BundleException e) {
            // e.g. a cache that belongs to another user: "Error creating bundle cache. (... AccessDeniedException: .../cache.lock)"
            System.err.println("outrigger: the framework cannot start: " + e.getMessage()
                    + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
            System.exit(1);
        }
        String archive = System.getProperty("outrigger.cds.archive");
        ClassDataArchive cds = archive == null ? null : new ClassDataArchive(Path.of(archive), MemoryHeadroom.ofThisProcess());
        if (cds != null) {
            cds.writeAfterStart(framework);
        }
        try {
            Sources sources = new Sources(framework.getBundleContext(), home);
            new BootBundles(framework.getBundleContext(), home.resolve("bundle"), home.resolve("etc/startup.properties"), sources)
                    .synchronize();
            sources.updateChanged(framework.getBundleContext().getBundles(), home.resolve("bundle"));
            KeptBundles kept = new KeptBundles(data.resolve("kept-bundles"), home);
            kept.restore(framework.getBundleContext());
            framework.getBundleContext().addBundleListener(kept);
            UnstartedDeploys unstarted = new UnstartedDeploys(data.resolve("unstarted-deploys"), home.resolve("deploy"));
            unstarted.finish(framework.getBundleContext());
            framework.getBundleContext().addBundleListener(unstarted);
            framework.getBundleContext().addBundleListener(new FileInstallFirst(framework.getBundleContext()));
            Signal.handle(new Signal("TERM"), signal -> stop(framework, sources, kept, "SIGTERM"));
            Signal.handle(new Signal("INT"), signal -> stop(framework, sources, kept, "SIGINT"));
        } catch (IOException | BundleException e) {
            System.err.println("outrigger: cannot install the bundles in " + home.resolve("bundle") + ": " + e.getMessage());
            framework.stop();
            System.exit(1);
        }
        framework.start();
        try {
            new UnconfirmedRollBacks(unconfirmed, framework.getBundleContext()).start();
        } catch (UncheckedIOException e) {
            System.err.println("outrigger: cannot read " + unconfirmed + " (remote updates of the"
                    + " bundles remote requests travel through are not rolled back when unconfirmed): " + e.getMessage());
        }
        System.err.printf(Locale.ROOT, "outrigger: started in %d ms (home %s)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launched), home);

        FrameworkEvent stopped = framework.waitForStop(0);
        long asked = stopAsked;
        System.err.println(asked == 0 ? "outrigger: stopped"
                : "outrigger: stopped in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked) + " ms");
        System.exit(stopped.getType() == FrameworkEvent.ERROR ? 1 : 0);
    }

    /** The data folder's lock; or the process ends, saying in one line why the folder cannot be written. */
    private static Optional<String> lockOrExit(Path data) {
        try {
            return DataLock.take(data);
        } catch (IOException e) {
            String why = e instanceof AccessDeniedException denied ? "permission denied on " + denied.getFile()
                    : e instanceof FileSystemException failed && failed.getReason() != null ? failed.getReason() + ": " + failed.getFile()
                    : e.toString();
            System.err.println("outrigger: cannot write the data folder " + data + " (" + why + "); run the runtime as the"
                    + " user that owns it (not once with sudo, then without), or point OUTRIGGER_DATA at a folder this user may write");
            System.exit(1);
            return Optional.empty(); // not reached
        }
    }

    /**
     * Runs on the signal's thread: stop, and halt if a bundle keeps the framework from stopping. A
     * class data sharing archive not written yet is left to the next run: dumping it here took 2 to
     * 4 s on a busy host, which a stop within 5 s cannot spare.
     */
    private static void stop(Framework framework, Sources sources, KeptBundles kept, String why) {
        stopAsked = System.nanoTime();
        System.err.println("outrigger: " + why + " received, stopping");
        // from the signal on: restating the kept bundles waits for a bundle event under way (a jar being copied)
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(STOP_TIMEOUT_MS);
                System.err.println("outrigger: bundles did not stop within " + STOP_TIMEOUT_MS + " ms, halting");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException done) {
                Thread.currentThread().interrupt();
            }
        }, "outrigger-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        ThreadsOutlivingTheStop.install(System.err);
        try {
            sources.recordAll(framework.getBundleContext().getBundles());
            kept.restateAll(framework.getBundleContext().getBundles());
        } catch (IOException | IllegalStateException e) {
            System.err.println("outrigger: cannot record the bundles' jars (an upgrade will not be noticed): " + e.getMessage());
        }
        try {
            framework.stop();
        } catch (BundleException e) {
            System.err.println("outrigger: stopping failed: " + e.getMessage());
            Runtime.getRuntime().halt(1);
        }
    }
}
