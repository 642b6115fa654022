package dev.outrigger.diagnostics;

import java.io.File;
import java.io.IOException;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FileInstall silently skips a {@code .jar} in {@code deploy/} that is not a bundle (corrupt, still
 * being copied by hand, a plain library). Claiming such files as artifacts of our own turns that
 * silence into one log line. FileInstall lets go of such a file once it has become a valid bundle
 * (the copy finished, or a bundle was copied over it), but does not offer it to its bundle installer
 * until the file changes again: touching it makes the next scan take it as new.
 */
@Component
public class NotABundleReporter implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(NotABundleReporter.class);

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
