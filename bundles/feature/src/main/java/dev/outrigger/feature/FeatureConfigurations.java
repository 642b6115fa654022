package dev.outrigger.feature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.outrigger.framework.files.DurableFile;

/**
 * The default configurations features bring: made when a feature is installed, as files in etc/
 * that FileInstall applies and keeps in step with later changes (straight in ConfigAdmin without
 * a watched folder), and deleted with their files when it goes, unless changed since.
 */
final class FeatureConfigurations {

    /** FileInstall's link from a configuration to its file in etc/. */
    private static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";

    private final ConfigurationAdmin configAdmin;
    /** FileInstall's folder, or null without one. */
    private final Path etc;

    FeatureConfigurations(ConfigurationAdmin configAdmin, Path etc) {
        this.configAdmin = configAdmin;
        this.etc = etc;
    }

    /** The file in etc/ a configuration of this PID is read from, when FileInstall reads a folder. */
    Optional<Path> file(String pid) {
        return Optional.ofNullable(etc).map(folder -> folder.resolve(ConfigFile.name(pid)));
    }

    /** Creates the feature's configurations that do not exist yet (existing ones are the user's); how many it created. */
    int apply(Feature feature) throws IOException {
        int created = 0;
        for (Map.Entry<String, Map<String, Object>> c : feature.configurations().entrySet()) {
            String pid = c.getKey();
            Optional<Path> file = file(pid);
            if (configuration(pid).getProperties() != null || (file.isPresent() && Files.exists(file.get()))) {
                continue;
            }
            if (file.isPresent()) {
                // in ConfigAdmin before the feature's bundles start, so that their components start
                // configured rather than start and restart; as FileInstall will read the file back
                // (text values, linked to it), so that it finds nothing to change
                Hashtable<String, Object> properties = new Hashtable<>(ConfigFile.values(c.getValue()));
                properties.put(FILEINSTALL_FILENAME, file.get().toFile().toURI().toString());
                create(pid, properties);
                DurableFile.replace(file.get(), ConfigFile.text("Default of feature " + feature.name()
                        + "; edit freely, changes apply live", c.getValue()).getBytes(StandardCharsets.UTF_8));
            } else {
                create(pid, new Hashtable<>(c.getValue()));
            }
            created++;
        }
        return created;
    }

    /**
     * Deletes the configurations the feature brought (those of an uninstalled simulator would leave
     * a radio dialling nothing), with their files, but those still listed by another feature and
     * those changed since, which are the user's (said in {@code kept}); how many it deleted.
     */
    int remove(Feature feature, Set<String> stillListed, List<String> kept) throws IOException {
        int deleted = 0;
        for (Map.Entry<String, Map<String, Object>> c : feature.configurations().entrySet()) {
            if (stillListed.contains(c.getKey())) {
                continue;
            }
            Configuration configuration = configuration(c.getKey());
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties == null) {
                continue;
            }
            Optional<Path> file = file(c.getKey());
            String where = file.filter(Files::exists).map(f -> "etc/" + f.getFileName()).orElse(c.getKey());
            if (!ConfigFile.holds(properties, c.getValue())) {
                kept.add(where + " (changed since)");
                continue;
            }
            try {
                // the file first: where it cannot go (etc/ read-only), FileInstall would bring the configuration back
                if (file.isPresent()) {
                    Files.deleteIfExists(file.get());
                }
                configuration.delete();
            } catch (IOException e) {
                kept.add(where + " (cannot delete it: " + e.getMessage() + ")");
                continue;
            } catch (IllegalStateException deletedMeanwhile) {
                // FileInstall saw the file go first
            }
            deleted++;
        }
        return deleted;
    }

    /**
     * Gives the PID its first properties. Right after the feature was uninstalled, FileInstall may
     * yet see its file gone and delete the configuration of that file's name, which is this one:
     * made again then, as FileInstall deletes once for each file it saw go.
     */
    private void create(String pid, Hashtable<String, Object> properties) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                configuration(pid).update(properties);
                return;
            } catch (IllegalStateException deletedMeanwhile) {
                if (attempt == 3) {
                    throw deletedMeanwhile;
                }
            }
        }
    }

    /** A PID's configuration, or a factory configuration for {@code factoryPid~name}; not created by asking. */
    private Configuration configuration(String pid) throws IOException {
        int tilde = pid.indexOf('~');
        return tilde < 0 ? configAdmin.getConfiguration(pid, "?")
                : configAdmin.getFactoryConfiguration(pid.substring(0, tilde), pid.substring(tilde + 1), "?");
    }
}
