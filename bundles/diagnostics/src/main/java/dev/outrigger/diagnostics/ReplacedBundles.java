package dev.outrigger.diagnostics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.refresh.Refresh;
import dev.outrigger.framework.threads.Daemons;

/**
 * A bundle whose packages others use, replaced by a plain {@code update} (from the shell), leaves
 * its old revision to the bundles wired to it, while those started later take the new one: two
 * versions of one package, and services of one invisible to users of the other. FileInstall, the
 * features and the remote verbs refresh what they replace; this refreshes what is still left a
 * moment after any update, as Karaf's {@code bundle:update} does. It looks at what is left, not at
 * what it saw replaced: it may itself have been replaced (refreshed) in the meantime.
 */
@Component(service = {}) // no service: immediate, so listening from the start
public class ReplacedBundles implements BundleListener {

    private static final Logger LOG = LoggerFactory.getLogger(ReplacedBundles.class);
    /** Long enough for an updater that refreshes by itself to have done so; an update batch also fits. */
    static final Duration GRACE = Duration.ofSeconds(2);

    private final BundleContext context;
    private final FrameworkWiring wiring;
    private final Refresh refresh;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-refresh"));
    private ScheduledFuture<?> check; // guarded by this

    @Activate
    public ReplacedBundles(BundleContext context) {
        this.context = context;
        this.wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
        this.refresh = new Refresh(context);
        context.addBundleListener(this);
        checkSoon();
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
        // a refresh under way goes on: it may be what stops this bundle
        timer.shutdownNow();
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.UPDATED) {
            checkSoon();
        }
    }

    private synchronized void checkSoon() {
        if (check != null) {
            check.cancel(false);
        }
        try {
            check = timer.schedule(this::refreshWhatIsLeft, GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException deactivated) {
            // going away: the next instance looks again
        }
    }

    private void refreshWhatIsLeft() {
        // replaced, not uninstalled: refreshing away a library still in use would stop its users
        List<Bundle> replaced = wiring.getRemovalPendingBundles().stream().filter(b -> b.getState() != Bundle.UNINSTALLED).toList();
        if (replaced.isEmpty()) {
            return;
        }
        int users = wiring.getDependencyClosure(replaced).size() - replaced.size();
        LOG.info("{} replaced while {} other bundle(s) still use the old revision: refreshing them",
                replaced.stream().map(b -> b.getSymbolicName() + " " + b.getVersion()).toList(), users);
        refresh.replaced(replaced, Duration.ofSeconds(30));
    }
}
