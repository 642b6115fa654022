package dev.outrigger.framework;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.FrameworkWiring;

/** Moving the users of a replaced bundle onto its new revision. */
public final class Refresh {

    private Refresh() {
    }

    /**
     * Refreshes those of {@code bundles} whose old revision others still use, restarting their
     * users, and waits until the framework is done.
     *
     * @return false when that takes longer than {@code timeout} (the refresh goes on regardless);
     *         true when done, or when the wait was interrupted
     */
    public static boolean replaced(FrameworkWiring wiring, Collection<Bundle> bundles, Duration timeout) {
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
