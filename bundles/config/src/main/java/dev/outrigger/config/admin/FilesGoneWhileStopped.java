package dev.outrigger.config.admin;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etc/ is the truth at start too: a configuration whose file there was deleted while the runtime
 * was stopped (a key taken out of the DaemonSet's ConfigMap, a file removed by hand) is removed,
 * where FileInstall, which only sees deletions while it runs, would keep it in the framework's
 * store for ever. Only while the framework starts: later, FileInstall sees a deletion itself, and a
 * configuration whose file is being written (a feature's default) must not be taken for one gone.
 */
@Component
public class FilesGoneWhileStopped {

    private static final Logger LOG = LoggerFactory.getLogger(FilesGoneWhileStopped.class);

    @Activate
    public FilesGoneWhileStopped(BundleContext context, @Reference ConfigurationAdmin configAdmin)
            throws IOException, InvalidSyntaxException {
        String dir = context.getProperty("felix.fileinstall.dir");
        if (dir == null || context.getBundle(0).getState() != Bundle.STARTING) {
            return;
        }
        Path etc = Path.of(dir).toAbsolutePath().normalize();
        Configuration[] linked = configAdmin.listConfigurations("(" + Schemas.FILENAME + "=*)");
        for (Configuration c : linked == null ? new Configuration[0] : linked) {
            Path file = file(c.getProperties().get(Schemas.FILENAME));
            if (file != null && etc.equals(file.getParent()) && !Files.exists(file)) {
                String pid = c.getPid(); // a deleted configuration tells nothing
                c.delete();
                LOG.info("Configuration {} removed: its file {} was deleted while the runtime was stopped", pid, file);
            }
        }
    }

    /** FileInstall links a configuration to its file by URI (file:/...), older versions by path. */
    private static Path file(Object linked) {
        if (!(linked instanceof String name)) {
            return null;
        }
        try {
            Path path = name.startsWith("file:") ? Path.of(URI.create(name)) : new File(name).toPath();
            return path.toAbsolutePath().normalize();
        } catch (IllegalArgumentException unusable) {
            return null;
        }
    }
}
