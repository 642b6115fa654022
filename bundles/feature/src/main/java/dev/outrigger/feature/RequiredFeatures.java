package dev.outrigger.feature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.health.ProblemSource;

/**
 * Features declared in configuration ({@code etc/dev.outrigger.feature.cfg}, a ConfigMap, or
 * remotely) are installed at start and whenever the list changes, as {@code feature:install}
 * would; features already installed are left as they are. A name taken off the list is
 * uninstalled, as {@code feature:uninstall} would, unless a feature still listed contains it:
 * going from the quick start's list to {@code gateway} must not leave its simulated radio feeding
 * a production broker. Not one that answers remote requests (mqtt, gateway): the list may have
 * been changed remotely, and must not take away the way back. The list last carried out is kept in
 * {@code data/}, so a name taken off while the runtime was stopped goes at the next start;
 * features installed from the shell are never touched. Lists are carried out one after the other,
 * in the order they came, so that quick successive edits end as the last one says.
 */
@Component(configurationPid = RequiredFeatures.PID, immediate = true)
@Designate(ocd = RequiredFeatures.Config.class)
public class RequiredFeatures implements ProblemSource {

    static final String PID = "dev.outrigger.feature";

    @ObjectClassDefinition(name = "Outrigger features", description = "Features to have installed")
    public @interface Config {
        @AttributeDefinition(required = false, description = "Feature names, e.g. mqtt; installed if missing, "
                + "uninstalled when taken off the list")
        String[] install() default {};
    }

    private static final Logger LOG = LoggerFactory.getLogger(RequiredFeatures.class);
    /** The bundle remote requests are answered by. */
    private static final String REMOTE_REQUESTS = "dev.outrigger.remote";

    private final Features features;
    /**
     * Not configured (yet) while the configuration file is there: FileInstall has not read it, and
     * the runtime is not as configured until it has (a moment at start).
     */
    private final Optional<Path> unread;
    /** The features of the list not installed yet, in its order: this list waits, or is under way. */
    private final List<String> pending = new CopyOnWriteArrayList<>();
    /** The features of the list that failed to install, each with why; until installed (from the shell, say). */
    private final Map<String, String> failed = new ConcurrentHashMap<>();

    @Activate
    public RequiredFeatures(@Reference Features features, Config config, Map<String, Object> properties,
            BundleContext context) {
        this.features = features;
        List<String> names = names(config.install());
        Path carriedOut = DataFolder.of(context).resolve("configured-features");
        // no configuration at all (its file deleted, or caught mid-way through an editor's save) says
        // nothing about what should go; an empty list does
        boolean configured = properties.containsKey(Constants.SERVICE_PID);
        this.unread = configured ? Optional.empty() : features.configurationFile(PID);
        List<String> all = withUnfinished(features, names);
        pending.addAll(all);
        features.inTurn(() -> {
            if (install(all) && configured) {
                uninstallDropped(features, names, carriedOut);
            }
        });
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        unread.filter(Files::exists).ifPresent(file -> problems.add("the features to install are not read yet from " + file));
        pending.forEach(name -> problems.add("feature " + name + " is being installed, as " + PID + " says"));
        failed.forEach((name, why) -> {
            if (!features.installed(name)) {
                problems.add("feature " + name + " is not installed, as " + PID + " says it should be: " + why);
            }
        });
        return problems;
    }

    /**
     * The names, after the features a stop or a power cut interrupted while they were installed,
     * from the shell or remotely too: nothing else would finish those.
     */
    private static List<String> withUnfinished(Features features, List<String> names) {
        try {
            return Stream.concat(features.unfinished().stream().filter(n -> !names.contains(n)), names.stream()).toList();
        } catch (IOException e) {
            LOG.warn("Cannot read which feature installations were interrupted: {}", e.getMessage());
            return names;
        }
    }

    /**
     * One by one: a name that is wrong (or a feature that fails) keeps none of the others out; a
     * feature that fails stays a problem of the runtime's health until installed. False when the
     * feature service began to stop meanwhile (a stop during start-up): what is left is installed
     * when it starts again, and that is no error.
     */
    private boolean install(List<String> names) {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (features.stopping()) {
                return leftForNextStart(names.subList(i, names.size()));
            }
            try {
                features.install(name);
            } catch (Exception e) {
                if (features.stopping()) {
                    return leftForNextStart(names.subList(i, names.size()));
                }
                LOG.error("Cannot install the configured feature {}: {}", name, e.getMessage());
                if (features.existsOrUnknown(name)) { // a name of no feature is the configuration's problem, reported as such
                    failed.put(name, String.valueOf(e.getMessage()));
                }
            }
            pending.remove(name);
        }
        return true;
    }

    private static boolean leftForNextStart(List<String> names) {
        LOG.info("Feature(s) {} not installed: the feature service stops (the runtime stops, or it is updated); they are when it starts again", names);
        return false;
    }

    /** Uninstalls what the list carried out before named and this one does not, then keeps this one. */
    private static void uninstallDropped(Features features, List<String> names, Path carriedOut) {
        try {
            List<String> dropped = before(carriedOut, names).stream()
                    .filter(name -> !names.contains(name) && !Features.CORE.equals(name)).toList();
            // what the others contain is told from every feature, read only when one was dropped
            Set<String> listed = dropped.isEmpty() ? Set.of() : features.within(names);
            for (String name : dropped) {
                if (listed.contains(name) || !features.exists(name)) {
                    continue;
                }
                if (features.contains(name, REMOTE_REQUESTS)) {
                    LOG.warn("Feature {} is no longer in install of {}, but it answers remote requests: left installed, "
                            + "as a list changed remotely must not cut the gateway off; on site: feature:uninstall {}",
                            name, PID, name);
                    continue;
                }
                LOG.info("Feature {} is no longer in install of {}: uninstalling it", name, PID);
                features.uninstall(name);
            }
            DurableFile.replace(carriedOut, String.join("\n", names).getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            LOG.error("Cannot uninstall the features no longer in install of {}: {}", PID, e.getMessage());
        }
    }

    /** The list carried out last; none kept yet (a first start, or one of an older version): this one. */
    private static List<String> before(Path carriedOut, List<String> names) throws IOException {
        try {
            return Files.readAllLines(carriedOut, StandardCharsets.UTF_8).stream().filter(n -> !n.isBlank()).toList();
        } catch (NoSuchFileException none) {
            return names;
        }
    }

    /** The names in an {@code install} value: a list, or one comma-separated value as a .cfg file gives it. */
    static List<String> names(Object install) {
        Stream<?> values = install instanceof Object[] array ? Stream.of(array) : Stream.ofNullable(install);
        return values.flatMap(v -> Stream.of(v.toString().split(","))).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }
}
