package dev.outrigger.framework.bundles;

import java.io.InputStream;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.startlevel.BundleStartLevel;

/**
 * Updates a bundle so that it comes back active if it is meant to run (started, and not stopped
 * since: what a restart of the framework would start), be it active before or not (a release that
 * did not resolve, replaced by one that does). The start an update ends with holds the
 * bundle's lock while it waits for the resolver; should another thread resolve that very bundle
 * meanwhile, Felix breaks the cycle by making the start give up, and the new version stays stopped
 * (from the shell, under load, about once in a few hundred updates). Started again, holding
 * nothing, it waits for the resolver like any other caller.
 */
public final class BundleUpdate {

    private BundleUpdate() {
    }

    /**
     * Replaces the bundle's jar with {@code jar}, or with what its location holds when empty, and
     * starts it if it is meant to run.
     *
     * @throws BundleException when the new version cannot be read, resolved or started
     */
    public static void update(Bundle bundle, Optional<InputStream> jar) throws BundleException {
        BundleStartLevel startLevel = bundle.adapt(BundleStartLevel.class);
        boolean meantToRun = startLevel != null && startLevel.isPersistentlyStarted();
        BundleException failed = null;
        try {
            if (jar.isPresent()) {
                bundle.update(jar.get());
            } else {
                bundle.update();
            }
        } catch (BundleException e) {
            failed = e;
        }
        boolean stopped = meantToRun && bundle.getState() != Bundle.ACTIVE && bundle.getState() != Bundle.UNINSTALLED
                && bundle.getHeaders("").get(Constants.FRAGMENT_HOST) == null;
        if (stopped) {
            bundle.start(); // says why when the new version cannot start: it does not resolve, its activator fails
        } else if (failed != null) {
            throw failed;
        }
    }
}
