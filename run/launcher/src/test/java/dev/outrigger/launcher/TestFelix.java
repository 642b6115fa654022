package dev.outrigger.launcher;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

import org.junit.rules.ExternalResource;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * A real Felix for one test, stopped when the test ends. A test restarts it as the launcher would:
 * {@link #stop()}, then {@link #init} again on the same cache.
 */
final class TestFelix extends ExternalResource {

    private Framework framework;

    /** Initialised, not started: bundles may be installed before {@link Framework#start()}. */
    Framework init(Path cache, Map<String, String> properties) throws BundleException {
        Map<String, String> all = new HashMap<>(properties);
        all.put(Constants.FRAMEWORK_STORAGE, cache.toString());
        framework = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(all);
        framework.init();
        return framework;
    }

    /** The running (or initialised) framework's context; null before {@link #init} and after {@link #stop()}. */
    BundleContext context() {
        return framework == null ? null : framework.getBundleContext();
    }

    void stop() throws BundleException, InterruptedException {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(5_000);
            framework = null;
        }
    }

    @Override
    protected void after() {
        try {
            stop();
        } catch (BundleException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
