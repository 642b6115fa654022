package dev.outrigger.launcher;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Stops FileInstall first when the framework stops, for this run only. The framework stops bundles
 * level by level and cannot stop one that FileInstall is starting from {@code deploy/} at that
 * moment ("Stopping a starting or stopping bundle is currently not supported"), which then
 * outlives its level. Stopped, FileInstall ends the start under way first; what it leaves
 * unstarted, the next run finishes ({@link UnstartedDeploys}). The feature service, the other
 * bundle that starts bundles, ends its own on the framework's stop as well.
 */
final class FileInstallFirst implements SynchronousBundleListener {

    static final String FILEINSTALL = "org.apache.felix.fileinstall";

    private final BundleContext context;

    /** With the framework's own context, which the framework's stop is told to first. */
    FileInstallFirst(BundleContext context) {
        this.context = context;
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getBundle().getBundleId() != 0 || event.getType() != BundleEvent.STOPPING) {
            return;
        }
        for (Bundle b : context.getBundles()) {
            if (FILEINSTALL.equals(b.getSymbolicName())) {
                try {
                    b.stop(Bundle.STOP_TRANSIENT);
                } catch (BundleException | IllegalStateException e) {
                    System.err.println("outrigger: cannot stop FileInstall ahead of the rest: " + e.getMessage());
                }
            }
        }
    }
}
