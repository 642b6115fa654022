package dev.outrigger.diagnostics;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FileInstall silently skips a {@code .jar} in {@code deploy/} that is not a bundle (corrupt, still
 * being copied by hand, a plain library). Claiming such files as artifacts of our own turns that
 * silence into one log line. FileInstall lets go of such a file once it has become a valid bundle
 * (the copy finished, or a bundle was copied over it), but does not offer it to its bundle installer
 * until the file changes again: touching it makes the next scan take it as new.
 * <p>
 * A bundle's jar overwritten by one that is not a bundle (a copy still under way, a wrong file)
 * makes FileInstall uninstall that bundle without a word, and install it again once the file is a
 * bundle: the uninstall is said too.
 */
@Component
public class NotABundleReporter implements ArtifactInstaller, BundleListener {

    private static final Logger LOG = LoggerFactory.getLogger(NotABundleReporter.class);

    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        context.addBundleListener(this);
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() != BundleEvent.UNINSTALLED || !event.getBundle().getLocation().startsWith("file:")) {
            return;
        }
        File jar;
        try {
            jar = new File(URI.create(event.getBundle().getLocation()));
        } catch (IllegalArgumentException notAFileUri) {
            return;
        }
        if (jar.isFile()) {
            whyNotABundle(jar).ifPresent(reason -> LOG.warn("{} was uninstalled: its jar {} is not a bundle now: {}",
                    event.getBundle().getSymbolicName(), jar, reason));
        }
    }

    @Override
    public boolean canHandle(File artifact) {
        return artifact.getName().endsWith(".jar") && whyNotABundle(artifact).isPresent();
    }

    @Override
    public void install(File artifact) {
        whyNotABundle(artifact).ifPresent(reason ->
                LOG.warn("{} is not an OSGi bundle and was not installed: {}", artifact, reason));
    }

    @Override
    public void update(File artifact) {
        install(artifact);
    }

    @Override
    public void uninstall(File artifact) {
        if (!artifact.isFile()) {
            LOG.info("{} removed", artifact);
        } else if (whyNotABundle(artifact).isEmpty() && artifact.setLastModified(System.currentTimeMillis())) {
            LOG.info("{} is a bundle now: installing it", artifact);
        }
    }

    /** Empty for a readable jar with a Bundle-SymbolicName; otherwise what is wrong with it. */
    static Optional<String> whyNotABundle(File file) {
        try (JarFile jar = new JarFile(file)) {
            Manifest manifest = jar.getManifest();
            if (manifest == null) {
                return Optional.of("it has no META-INF/MANIFEST.MF");
            }
            if (manifest.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                return Optional.of("its manifest has no Bundle-SymbolicName (a plain jar: wrap it as a bundle)");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("it is not a readable jar (" + e.getMessage() + ")");
        }
    }
}
