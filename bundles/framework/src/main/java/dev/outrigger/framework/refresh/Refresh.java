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
     * @return false when that takes longer than {@code timeout} (the refresh goes on regardless);
     *         true when done, or when the wait was interrupted
     */
    public boolean replaced(Collection<Bundle> bundles, Duration timeout) {
        List<Bundle> pending = bundles.stream().filter(wiring.getRemovalPendingBundles()::contains).toList();
        if (pending.isEmpty()) {
            return true;
        }
        CountDownLatch done = new CountDownLatch(1);
        wiring.refreshBundles(pending, event -> done.countDown());
        try {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
