package dev.outrigger.diagnostics;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.slf4j.Logger;

/** The one line that says why a bundle asked to run does not, where nobody else says it. */
final class NotStarting {

    private NotStarting() {
    }

    /** For an unresolved bundle: says what it lacks, if it lacks something; whether it said so. */
    static boolean saidWhatItLacks(BundleContext context, Bundle b, Logger log) {
        return BundlesAndComponents.whyItCannotResolve(context, b).map(why -> {
            log.warn("Bundle {} {} from {} does not start: {}", b.getSymbolicName(), b.getVersion(), b.getLocation(), why);
            return true;
        }).orElse(false);
    }

    /** For a resolved bundle that should run and does not: starts it, which runs it or tells why it fails. */
    static void startOrSayWhy(Bundle b, Logger log) {
        try {
            b.start();
        } catch (BundleException | IllegalStateException e) {
            log.warn("Bundle {} {} from {} does not start: {}", b.getSymbolicName(), b.getVersion(), b.getLocation(), e.getMessage(), e);
        }
    }
}
