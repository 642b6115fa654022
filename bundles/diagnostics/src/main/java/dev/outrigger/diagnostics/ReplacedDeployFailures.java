package dev.outrigger.diagnostics;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.threads.Daemons;

/**
 * FileInstall says once that a jar it installed from {@code deploy/} does not start, then keeps
 * quiet while the same bundles keep failing: it compares bundles, not their revisions, so a
 * replacement jar that fails as well (the fix that was none) went unsaid. The bundles FileInstall
 * installed that have not run since are followed here; when one of them is replaced and the new
 * jar does not start either, one line says why. Bundles that ran once, or were installed by an
 * earlier run, FileInstall itself reports again after each replacement.
 */
@Component(service = {}) // a listener added to the framework itself, not a service
public class ReplacedDeployFailures implements SynchronousBundleListener {

    private static final Logger LOG = LoggerFactory.getLogger(ReplacedDeployFailures.class);
    private static final long CHECK_MILLIS = 250;
    /** How long a replaced bundle may stay unresolved without lacking anything: a refresh under way. */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private BundleContext context;
    private DeployFolder deploy;
    private final Set<Long> neverRan = ConcurrentHashMap.newKeySet();
    /** Bundle id to when it was last replaced (System.nanoTime): a later replacement supersedes a check. */
    private final Map<Long, Long> replaced = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-deploy-checks"));

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        this.deploy = new DeployFolder(context);
        context.addBundleListener(this);
        for (Bundle b : context.getBundles()) {
            // installed by this run's first scan of deploy/, before this listened: not asked to run yet
            if (b.getState() == Bundle.INSTALLED && !b.adapt(BundleStartLevel.class).isPersistentlyStarted()) {
                follow(b);
            }
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
        checks.shutdownNow();
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Bundle b = event.getBundle();
        switch (event.getType()) {
            case BundleEvent.INSTALLED -> follow(b);
            case BundleEvent.STARTED, BundleEvent.UNINSTALLED -> neverRan.remove(b.getBundleId());
            case BundleEvent.UPDATED -> {
                if (neverRan.contains(b.getBundleId())) {
                    long at = System.nanoTime();
                    replaced.put(b.getBundleId(), at);
                    schedule(b.getBundleId(), at);
                }
            }
            default -> {
                // nothing else tells whether a replacement runs
            }
        }
    }

    private void follow(Bundle b) {
        if (deploy.holds(b) && b.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
            neverRan.add(b.getBundleId());
        }
    }

    private void schedule(long id, long at) {
        try {
            checks.schedule(() -> check(id, at), CHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // this component is being deactivated
        }
    }

    private void check(long id, long at) {
        if (!replaced.remove(id, at)) {
            return; // replaced again since: that replacement's check tells
        }
        Bundle b = context.getBundle(id);
        if (b == null || (b.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.UNINSTALLED)) != 0
                || !b.adapt(BundleStartLevel.class).isPersistentlyStarted()) {
            return; // runs, is gone, or nobody asked it to run
        }
        if (b.getState() == Bundle.INSTALLED) {
            if (!NotStarting.saidWhatItLacks(context, b, LOG) && System.nanoTime() - at < SETTLE_NANOS) {
                replaced.putIfAbsent(id, at); // lacks nothing: FileInstall's refresh is still under way
                schedule(id, at);
            }
            return;
        }
        // resolved but not started: FileInstall's start failed, or is still to come; either way,
        // starting it here tells why it fails (and is what FileInstall would do)
        NotStarting.startOrSayWhy(b, LOG);
    }
}
