package dev.outrigger.framework.refresh;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Moves the users of replaced bundles onto their new revisions. A bundle that may update itself
 * makes one before it does: its classes not loaded by then cannot be loaded afterwards.
 */
public final class Refresh {

    private final FrameworkWiring wiring;

    public Refresh(BundleContext context) {
        this.wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
    }

    /**
     * Refreshes those of {@code bundles} whose old revision others still use, restarting their
     * users, and waits until the framework is done.
     *
     * @return as {@link #refresh(Collection, Duration)}; true when none was replaced
     */
    public boolean replaced(Collection<Bundle> bundles, Duration timeout) {
        List<Bundle> pending = bundles.stream().filter(pending()::contains).toList();
        return pending.isEmpty() || refresh(pending, timeout);
    }

    /** The bundles updated or uninstalled whose old revision others still use. */
    public Collection<Bundle> pending() {
        return wiring.getRemovalPendingBundles();
    }

    /** The bundles a refresh of {@code bundles} restarts: they and every bundle wired to them, directly or not. */
    public Collection<Bundle> closure(Collection<Bundle> bundles) {
        return wiring.getDependencyClosure(bundles);
    }

    /**
     * Refreshes {@code bundles} and waits until the framework is done.
     *
     * @return false when that takes longer than {@code timeout} (the refresh goes on regardless);
     *         true when done, or when the wait was interrupted
     */
    public boolean refresh(Collection<Bundle> bundles, Duration timeout) {
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(bundles, event -> done.countDown());
        try {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
