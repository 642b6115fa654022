package dev.outrigger.config.admin;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.cm.ConfigurationPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.MetaTypeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.config.admin.Schemas.Definition;
import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.framework.logging.Printable;

/**
 * Checks every configuration against the Metatype schema its owner declares, and logs one line
 * per property that does not fit: which file or PID, which key, what is wrong. Each version of a
 * configuration is checked once: those already there when this starts (the files read at start),
 * those that change later (from a file in etc/, the shell or remotely), those whose schema
 * arrives later with its bundle, and again against a new version of the bundle that declares its
 * schema. What does not fit is also kept, for the runtime's health. As a configuration plugin it also withholds such values from the
 * owner, which then runs on its default for that property instead of failing, and hands it the
 * others as checked. Configurations without a schema are passed through unchecked. Secret values
 * are never logged.
 */
@Component(service = { ConfigurationListener.class, ConfigurationPlugin.class, ConfigurationGuard.class },
        configurationPid = AdminSettings.PID,
        property = ConfigurationPlugin.CM_RANKING + ":Integer=" + ConfigurationGuard.RANKING)
public class ConfigurationGuard implements ConfigurationListener, ConfigurationPlugin {

    /** Late among plugins (they run in ranking order): check what the others produced. */
    static final int RANKING = 900;

    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationGuard.class);
    /** A byte order mark as it reads at the start of a file in etc/ (read as UTF-8). */
    private static final String BYTE_ORDER_MARK = "\ufeff";
    private static final byte[] UTF8_BOM = { (byte) 0xef, (byte) 0xbb, (byte) 0xbf };
    /** Outrigger's components start nothing without their required values. */
    private static final String NOT_STARTED = "; nothing is started for this configuration until ";

    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final Schemas schemas;
    private final Set<String> secretNames;
    /** The change count each configuration was last checked at, by PID. */
    private final Map<String, Long> checked = new HashMap<>(); // guarded by this
    /** What each configuration holds that its schema rejects, as logged, by PID; unknown keys aside. */
    private final Map<String, List<String>> rejected = new ConcurrentHashMap<>();
    /** Configurations whose schema no bundle declared yet: checked when one that may starts. */
    private final Set<String> awaitingSchema = new HashSet<>(); // guarded by this
    /** Bundles updated and not started again yet: their schemas may have changed. */
    private final Set<Long> updated = ConcurrentHashMap.newKeySet();
    private final BundleListener bundleEvents = this::bundleChanged;

    @Activate
    public ConfigurationGuard(BundleContext context, @Reference ConfigurationAdmin configAdmin,
            @Reference MetaTypeService metaType, SettingsConfig config) {
        this.context = context;
        this.configAdmin = configAdmin;
        this.schemas = new Schemas(context, metaType);
        this.secretNames = Stream.of(config.secrets()).map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        context.addBundleListener(bundleEvents);
        try {
            Configuration[] existing = configAdmin.listConfigurations(null);
            for (Configuration c : existing == null ? new Configuration[0] : existing) {
                check(c);
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("Cannot check the configurations: {}", e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(bundleEvents);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_DELETED) {
            forget(event.getPid());
        } else if (event.getType() == ConfigurationEvent.CM_UPDATED) {
            check(event.getPid());
        }
    }

    private synchronized void forget(String pid) {
        checked.remove(pid);
        awaitingSchema.remove(pid);
        rejected.remove(pid);
    }

    /**
     * Every value a configuration holds that its schema rejects, and every required one it lacks,
     * one line each as logged, sorted by PID. Keys a schema does not know are not among them: a
     * file may keep a property a newer version no longer has, and lose nothing by it.
     */
    List<String> rejected() {
        return new TreeMap<>(rejected).values().stream().flatMap(List::stream).toList();
    }

    private void bundleChanged(BundleEvent event) {
        try {
            if (event.getType() == BundleEvent.UPDATED) {
                updated.add(event.getBundle().getBundleId());
            } else if (event.getType() == BundleEvent.STARTED) {
                checkAwaitingSchema();
                if (updated.remove(event.getBundle().getBundleId())) {
                    checkAgainst(schemas.pids(event.getBundle()));
                }
            }
        } catch (IllegalStateException gone) {
            // Configuration Admin went away (the runtime stops, or it is updated) with events still
            // on their way here: this guard goes with it, and the next one checks everything anew
            LOG.debug("Not checked after {}: {}", event.getBundle(), gone.getMessage());
        }
    }

    /**
     * Checks again the configurations of these PIDs or factory PIDs, as a new version of the
     * bundle that declares them may accept less (a new bound, a new required property) or more.
     */
    private void checkAgainst(Set<String> pids) {
        try {
            Configuration[] all = configAdmin.listConfigurations(null);
            for (Configuration c : all == null ? new Configuration[0] : all) {
                if (pids.contains(c.getPid()) || c.getFactoryPid() != null && pids.contains(c.getFactoryPid())) {
                    synchronized (this) {
                        checked.remove(c.getPid());
                    }
                    check(c);
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("Cannot check the configurations of {}: {}", pids, e.getMessage());
        }
    }

    private void checkAwaitingSchema() {
        List<String> pids;
        synchronized (this) {
            pids = List.copyOf(awaitingSchema);
        }
        pids.forEach(this::check);
    }

    private void check(String pid) {
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            if (found != null) {
                check(found[0]);
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("Cannot check configuration {}: {}", pid, e.getMessage());
        }
    }

    /** Logs what does not fit in this version of the configuration, unless that was done. */
    private synchronized void check(Configuration configuration) {
        Dictionary<String, Object> properties = configuration.getProperties();
        if (properties == null) {
            return;
        }
        String pid = configuration.getPid();
        Optional<Definition> definition = schemas.find(configuration.getFactoryPid() != null ? configuration.getFactoryPid() : pid);
        if (definition.isEmpty()) {
            awaitingSchema.add(pid);
            return;
        }
        awaitingSchema.remove(pid);
        Long version = configuration.getChangeCount();
        if (version.equals(checked.put(pid, version))) {
            return;
        }
        Object file = properties.get(Schemas.FILENAME);
        String source = file != null ? file.toString() : "configuration " + pid;
        if (dropByteOrderMark(properties) && saveWithoutByteOrderMark(file, source)) {
            return; // FileInstall reads the file anew: that version is checked
        }
        List<String> problems = rejected(definition.get(), properties).values().stream().map(p -> source + ": " + p).toList();
        unknown(definition.get(), properties).ifPresent(p -> LOG.warn("{}: {}", source, p));
        problems.forEach(p -> LOG.warn("{}", p));
        if (problems.isEmpty()) {
            if (rejected.remove(pid) != null) {
                LOG.info("{}: fixed, every value fits its schema", source);
            }
        } else {
            rejected.put(pid, problems);
        }
    }

    /**
     * Takes a UTF-8 byte order mark off the key it is glued to: the first of a file saved as "UTF-8
     * with BOM" (older Notepad, PowerShell 5). Whether there was one.
     */
    static boolean dropByteOrderMark(Dictionary<String, Object> properties) {
        for (String key : Collections.list(properties.keys())) {
            if (key.startsWith(BYTE_ORDER_MARK)) {
                Object value = properties.remove(key);
                String clean = key.substring(BYTE_ORDER_MARK.length());
                if (properties.get(clean) == null) {
                    properties.put(clean, value);
                }
                return true;
            }
        }
        return false;
    }

    /** Saves the file without its byte order mark, for FileInstall to read anew; whether it could. */
    private static boolean saveWithoutByteOrderMark(Object file, String source) {
        String marked = source + ": begins with a byte order mark (saved as UTF-8 with BOM), which would be read as part of its first key";
        try {
            Path path = Path.of(URI.create(String.valueOf(file)));
            byte[] content = Files.readAllBytes(path);
            if (content.length >= UTF8_BOM.length && Arrays.equals(UTF8_BOM, 0, UTF8_BOM.length, content, 0, UTF8_BOM.length)) {
                DurableFile.replace(path, Arrays.copyOfRange(content, UTF8_BOM.length, content.length));
                LOG.warn("{}: saved without it", marked);
                return true;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: read without it, as the file cannot be saved so ({})", marked, e.getMessage());
        }
        return false;
    }

    @Override
    public void modifyConfiguration(ServiceReference<?> target, Dictionary<String, Object> properties) {
        Object factoryPid = properties.get(ConfigurationAdmin.SERVICE_FACTORYPID);
        Object pid = factoryPid != null ? factoryPid : properties.get(Constants.SERVICE_PID);
        if (pid != null) {
            dropByteOrderMark(properties);
            schemas.find(pid.toString()).ifPresent(definition -> {
                // the owner gets what was checked, typed as the schema says (Declarative Services would
                // fail on the `6638 ` a file may hold, and take `true ` for false), and nothing that does not fit
                Map<String, Object> typed = Schemas.typed(definition, properties);
                for (String key : Collections.list(properties.keys())) {
                    if (definition.attribute(key).isPresent() && !typed.containsKey(key)) {
                        properties.remove(key);
                    }
                }
                typed.forEach(properties::put);
            });
        }
    }

    /** One sentence per property that does not fit the schema, or that it requires and is missing, by key. */
    private Map<String, String> rejected(Definition definition, Dictionary<String, Object> properties) {
        Map<String, String> problems = new TreeMap<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            Optional<Attribute> ad = definition.attribute(key);
            if (ad.isEmpty()) {
                continue;
            }
            try {
                Schemas.convert(ad.get(), properties.get(key));
            } catch (IllegalArgumentException e) {
                String why = Schemas.isSecret(ad.get(), secretNames) ? "secret value rejected" : e.getMessage();
                problems.put(key, key + ": " + why + (Schemas.isRequired(ad.get()) ? NOT_STARTED
                        : "; the default applies until ") + "this is fixed");
            }
        }
        for (Attribute ad : definition.attributes()) {
            if (Schemas.isRequired(ad) && Schemas.isMissing(properties.get(ad.getID()))) {
                problems.put(ad.getID(), ad.getID() + ": required, not set (expected " + Schemas.expected(ad) + ")" + NOT_STARTED + "it is set");
            }
        }
        return problems;
    }

    /** One sentence for all the keys the schema does not know (a corrupt file holds many, whose names are made printable). */
    private static Optional<String> unknown(Definition definition, Dictionary<String, Object> properties) {
        TreeSet<String> unknown = new TreeSet<>();
        for (Enumeration<String> keys = properties.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (!Schemas.IMPLICIT.contains(key) && !key.startsWith(".") && definition.attribute(key).isEmpty()) {
                unknown.add(Printable.of(key));
            }
        }
        if (unknown.isEmpty()) {
            return Optional.empty();
        }
        String known = " (known: " + String.join(", ", definition.ids()) + ")";
        return Optional.of(unknown.size() == 1 ? unknown.first() + ": unknown property, ignored" + known
                : unknown.size() + " unknown properties, ignored: " + String.join(", ", unknown) + known);
    }
}
