package dev.outrigger.diagnostics;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** The runtime's {@code deploy/}, whose bundles FileInstall installs, updates and starts. */
final class DeployFolder {

    private final Optional<Path> folder;

    DeployFolder(BundleContext context) {
        this.folder = Optional.ofNullable(context.getProperty("outrigger.home")).map(h -> Path.of(h, "deploy").toAbsolutePath());
    }

    /** Whether the bundle was installed from a jar in the folder. */
    boolean holds(Bundle b) {
        if (folder.isEmpty() || !b.getLocation().startsWith("file:")) {
            return false;
        }
        try {
            return Path.of(URI.create(b.getLocation())).toAbsolutePath().startsWith(folder.get());
        } catch (IllegalArgumentException notAFileUri) {
            return false;
        }
    }
}
