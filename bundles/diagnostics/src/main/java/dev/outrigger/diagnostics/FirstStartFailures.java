package dev.outrigger.diagnostics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.threads.Daemons;

/**
 * FileInstall scans {@code deploy/} as it starts, long before the framework reaches the start level
 * of the bundles it installs from there, and asks them to start once it has; a bundle that does not
 * resolve, or whose activator fails, then fails without a word (FileInstall takes it for one that
 * kept failing). So while the runtime starts, the bundles nobody has asked to start yet are watched:
 * one asked meanwhile that stays unresolved is said here, once, with what it lacks; one that
 * resolved but did not start is started here once more, to learn why. Bundles asked to start by an
 * earlier run are left to the framework and FileInstall, which try them at every start and say why.
 */
@Component(service = {}) // listeners added to the framework itself, not services
public class FirstStartFailures implements SynchronousBundleListener, FrameworkListener {

    private static final Logger LOG = LoggerFactory.getLogger(FirstStartFailures.class);
    /** After the start: FileInstall asks within a poll (half a second); a slow Pi gets more. */
    private static final long WATCH_MILLIS = 30_000;
    private static final long CHECK_MILLIS = 250;

    private BundleContext context;
    private final Set<Long> notAskedYet = ConcurrentHashMap.newKeySet();
    /** When a check first found the framework started (System.nanoTime), or 0 before; the checks' thread's alone. */
    private long startedAt;
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-first-starts"));

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        if (context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).getState() == Bundle.ACTIVE) {
            return; // updated while the runtime runs: its start is over
        }
        context.addBundleListener(this);
        context.addFrameworkListener(this);
        for (Bundle b : context.getBundles()) {
            watch(b);
        }
        checks.scheduleWithFixedDelay(this::check, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
        context.removeFrameworkListener(this);
        checks.shutdownNow();
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.INSTALLED) {
            watch(event.getBundle());
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            context.removeBundleListener(this); // what is installed from now on is no longer the start's
        }
    }

    private void watch(Bundle b) {
        if (b.getState() == Bundle.INSTALLED && b.getHeaders("").get(Constants.FRAGMENT_HOST) == null
                && !b.adapt(BundleStartLevel.class).isPersistentlyStarted()) {
            notAskedYet.add(b.getBundleId());
        }
    }

    private void check() {
        boolean started = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).getState() == Bundle.ACTIVE;
        for (Long id : notAskedYet) {
            Bundle b = context.getBundle(id);
            if (b == null || (b.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.UNINSTALLED)) != 0) {
                notAskedYet.remove(id); // gone, or started: no failure to tell
            } else if (b.adapt(BundleStartLevel.class).isPersistentlyStarted() && b.getState() == Bundle.INSTALLED) {
                // asked: a start under way is unresolved for a moment too, but lacks nothing
                if (NotStarting.saidWhatItLacks(context, b, LOG)) {
                    notAskedYet.remove(id);
                }
            } else if (b.adapt(BundleStartLevel.class).isPersistentlyStarted() && started) {
                // asked and resolved, yet not started: its activator failed, or its start is still to
                // come (then this one waits for it, and finds it done)
                notAskedYet.remove(id);
                NotStarting.startOrSayWhy(b, LOG);
            }
        }
        if (started) {
            if (startedAt == 0) {
                startedAt = System.nanoTime();
            }
            if (notAskedYet.isEmpty() || System.nanoTime() - startedAt > TimeUnit.MILLISECONDS.toNanos(WATCH_MILLIS)) {
                checks.shutdown(); // the watch ends here, on its own thread: nothing is scheduled on it once shut
            }
        }
    }
}
