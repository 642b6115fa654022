package dev.outrigger.diagnostics;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framework's errors and warnings (a bundle that does not start at its start level, an
 * activator that throws during a refresh), each in one line that names the bundle's location and
 * the reason, in place of the logging backend's "FrameworkEvent ERROR" that names neither
 * (switched off in {@code etc/org.ops4j.pax.logging.cfg}).
 * <p>
 * Bundles of {@code deploy/} are mostly left to FileInstall: it tries each that should run but
 * does not again, beside the framework at every start and after each change of the folder it makes
 * (whose refresh is when a bundle stops resolving), and says each failure in a line naming the
 * file. Said here too, it would be said twice.
 */
@Component(service = {}) // a listener added to the framework itself, not a service
public class FrameworkErrors implements FrameworkListener {

    private static final Logger LOG = LoggerFactory.getLogger(FrameworkErrors.class);

    private BundleContext context;
    private DeployFolder deploy;
    /**
     * Whether the STARTED event came: events arrive in order, on a thread of their own, so an error
     * of the start is told by coming before it (the framework may well be active by then).
     */
    private volatile boolean started;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        this.deploy = new DeployFolder(context);
        this.started = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).getState() == Bundle.ACTIVE;
        context.addFrameworkListener(this);
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        Bundle b = event.getBundle();
        Throwable t = event.getThrowable();
        if (event.getType() == FrameworkEvent.STARTED) {
            started = true;
        } else if (event.getType() == FrameworkEvent.ERROR) {
            if (deploy.holds(b) && (isResolveError(t) || !started)) {
                return; // FileInstall says it
            } else if (isResolveError(t)) {
                LOG.error("Bundle {} {} from {} does not start: {}", b.getSymbolicName(), b.getVersion(), b.getLocation(),
                        BundlesAndComponents.whyItCannotResolve(context, b).orElse(t.getMessage()));
            } else {
                LOG.error("Bundle {} {} from {}: {}", b.getSymbolicName(), b.getVersion(), b.getLocation(), message(t), t);
            }
        } else if (event.getType() == FrameworkEvent.WARNING) {
            LOG.warn("Bundle {} {} from {}: {}", b.getSymbolicName(), b.getVersion(), b.getLocation(), message(t), t);
        }
    }

    private static String message(Throwable t) {
        return t == null ? "(no cause given)" : t.getMessage();
    }

    private static boolean isResolveError(Throwable t) {
        return t instanceof BundleException e && e.getType() == BundleException.RESOLVE_ERROR;
    }

}
