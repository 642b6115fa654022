package dev.outrigger.config.admin;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.config.Settings;
import dev.outrigger.config.SettingsCheck;
import dev.outrigger.config.SettingsException;
import dev.outrigger.config.SettingsException.Kind;
import dev.outrigger.config.SettingsException.Problem;
import dev.outrigger.config.admin.Schemas.Definition;

/**
 * {@link Settings} over ConfigAdmin and Metatype. A change is validated in full before it is
 * applied; an applied change is written to its file in {@code etc/} (created for a configuration
 * that had none) before the change is reported applied, durably, so the file, the shell and remote
 * requests agree and the change survives a restart or a power cut.
 */
@Component(configurationPid = AdminSettings.PID)
@Designate(ocd = SettingsConfig.class)
public class AdminSettings implements Settings {

    static final String PID = "dev.outrigger.config";
    /** The likely reason for a PID without a schema: the bundle that defines it is not there. */
    static final String NOT_INSTALLED = " (its bundle not installed? feature:list shows the features)";

    private static final Logger LOG = LoggerFactory.getLogger(AdminSettings.class);
    /** Safe in a filter and a file name: a PID, optionally {@code ~name} of a factory instance. */
    private static final Pattern VALID_PID = Pattern.compile("[A-Za-z0-9_.-]+(~[A-Za-z0-9_.-]+)?");

    private final ConfigurationAdmin configAdmin;
    private final ConfigurationGuard guard;
    private final Schemas schemas;
    private final Set<String> secretNames;
    /** Where FileInstall reads configurations; null when it is not watching a folder. */
    private final Path etc;
    /** The owners' own checks, with the PIDs or factory PIDs they check. */
    private final Map<SettingsCheck, Set<String>> checks = new ConcurrentHashMap<>();
    /** What the owners' checks refuse, by PID, for the configurations they were asked about last. */
    private final Map<String, Refusals> refusals = new ConcurrentHashMap<>();

    @Activate
    public AdminSettings(BundleContext context, @Reference ConfigurationAdmin configAdmin,
            @Reference MetaTypeService metaType, @Reference ConfigurationGuard guard, SettingsConfig config) {
        this.configAdmin = configAdmin;
        this.guard = guard;
        this.schemas = new Schemas(context, metaType);
        this.secretNames = Stream.of(config.secrets()).map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        String dir = context.getProperty("felix.fileinstall.dir");
        this.etc = dir != null && new File(dir).isDirectory() ? Path.of(dir) : null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCheck(SettingsCheck check, Map<String, Object> properties) {
        Object pids = properties.get(SettingsCheck.PID);
        checks.put(check, pids instanceof String[] several ? Set.of(several) : Set.of(String.valueOf(pids)));
    }

    void removeCheck(SettingsCheck check) {
        checks.remove(check);
    }

    @Override
    public List<Schema> schemas() {
        return schemas.all().values().stream().map(d -> Schemas.describe(d, secretNames)).toList();
    }

    @Override
    public Optional<Schema> schema(String pid) {
        return schemas.find(schemaPid(pid)).map(d -> Schemas.describe(d, secretNames));
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>(guard.rejected());
        try {
            problems.addAll(refusedByOwners());
        } catch (SettingsException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /** What the owners' checks said of one version of a configuration, with the checks that said it. */
    private record Refusals(long revision, Set<SettingsCheck> owners, List<String> lines) {
    }

    /**
     * What the owners' own checks refuse in the configurations as they are: in a file, nothing
     * refused it before it was applied (the owner says it in the log and leaves it unused). Asked
     * once per version of a configuration and set of checks, as the health is asked every second.
     */
    private List<String> refusedByOwners() throws SettingsException {
        if (checks.isEmpty()) {
            refusals.clear();
            return List.of();
        }
        Map<String, Refusals> now = new HashMap<>();
        for (Configuration c : list(null)) {
            String schemaPid = c.getFactoryPid() != null ? c.getFactoryPid() : c.getPid();
            Set<SettingsCheck> owners = checks.entrySet().stream().filter(e -> e.getValue().contains(schemaPid))
                    .map(Map.Entry::getKey).collect(Collectors.toSet());
            Dictionary<String, Object> properties = c.getProperties();
            if (owners.isEmpty() || properties == null) {
                continue;
            }
            Refusals known = refusals.get(c.getPid());
            if (known == null || known.revision() != c.getChangeCount() || !known.owners().equals(owners)) {
                known = new Refusals(c.getChangeCount(), owners, schemas.find(schemaPid)
                        .map(definition -> refused(owners, definition, properties)).orElse(List.of()));
            }
            now.put(c.getPid(), known);
        }
        refusals.keySet().retainAll(now.keySet());
        refusals.putAll(now);
        return now.values().stream().flatMap(r -> r.lines().stream()).sorted().toList();
    }

    /** The owners' problems with the values as they reach the owner: typed, and without those the schema rejects. */
    private static List<String> refused(Set<SettingsCheck> owners, Definition definition, Dictionary<String, Object> properties) {
        Map<String, Object> typed = Collections.unmodifiableMap(Schemas.typed(definition, properties));
        Object file = properties.get(Schemas.FILENAME);
        String source = file != null ? file.toString() : "configuration " + properties.get(Constants.SERVICE_PID);
        List<String> lines = new ArrayList<>();
        for (SettingsCheck check : owners) {
            try {
                // what the owner does without the value (runs without it, or not at all), its log says
                check.problems(typed).forEach(p -> lines.add(source + ": " + p.property() + ": "
                        + p.message()));
            } catch (RuntimeException e) {
                lines.add(source + ": cannot be checked by its owner: " + e);
            }
        }
        return lines;
    }

    @Override
    public List<Snapshot> get(String pid) throws SettingsException {
        checkSyntax(pid);
        Optional<Definition> definition = schemas.find(schemaPid(pid));
        boolean allInstances = definition.map(Definition::factory).orElse(false) && !pid.contains("~");
        List<Configuration> found = list("(" + (allInstances ? ConfigurationAdmin.SERVICE_FACTORYPID : Constants.SERVICE_PID)
                + "=" + pid + ")");
        if (found.isEmpty() && definition.isEmpty()) {
            throw new SettingsException(Kind.NOT_FOUND, "no configuration and no schema for " + pid + NOT_INSTALLED);
        }
        if (found.isEmpty() && !allInstances) {
            if (pid.contains("~")) {
                throw new SettingsException(Kind.NOT_FOUND, "no factory instance " + pid);
            }
            return List.of(snapshot(pid, Optional.empty(), 0, new Hashtable<>(), definition));
        }
        List<Snapshot> snapshots = new ArrayList<>();
        for (Configuration c : found) {
            snapshots.add(snapshot(c.getPid(), Optional.ofNullable(c.getFactoryPid()), c.getChangeCount(),
                    c.getProperties(), definition));
        }
        return snapshots;
    }

    @Override
    public synchronized Snapshot check(Update update) throws SettingsException {
        Validated v = validate(update);
        Optional<String> factoryPid = v.existing() != null ? Optional.ofNullable(v.existing().getFactoryPid())
                : v.definition().factory() ? Optional.of(schemaPid(update.pid())) : Optional.empty();
        return snapshot(update.pid(), factoryPid, v.revision(), v.next(), Optional.of(v.definition()));
    }

    /** An update that passed every check: the configuration it changes (null: none yet) and the properties it leaves. */
    private record Validated(Definition definition, Configuration existing, long revision, Dictionary<String, Object> current,
            Hashtable<String, Object> next) {
    }

    private Validated validate(Update update) throws SettingsException {
        String pid = update.pid();
        checkSyntax(pid);
        Definition definition = schemas.find(schemaPid(pid)).orElseThrow(() -> new SettingsException(Kind.NOT_FOUND,
                "no schema for " + pid + NOT_INSTALLED + "; only configurations with a Metatype definition can be changed "
                        + "here, others in their file in etc/"));
        if (definition.factory() != pid.contains("~")) {
            throw new SettingsException(Kind.REFUSED, definition.factory()
                    ? pid + " is a factory PID: name an instance, e.g. " + pid + "~main"
                    : schemaPid(pid) + " is not a factory PID: use it without ~name");
        }
        List<Configuration> found = list("(" + Constants.SERVICE_PID + "=" + pid + ")");
        Configuration existing = found.isEmpty() ? null : found.get(0);
        long revision = existing == null ? 0 : existing.getChangeCount();
        if (update.revision().isPresent() && update.revision().getAsLong() != revision) {
            throw new SettingsException(Kind.CONFLICT, pid + " changed since revision " + update.revision().getAsLong()
                    + " (now " + revision + "); get it again and retry");
        }

        Dictionary<String, Object> current = existing == null || existing.getProperties() == null
                ? new Hashtable<>() : existing.getProperties();
        Hashtable<String, Object> next = new Hashtable<>();
        for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (!update.replace() || key.equals(Schemas.FILENAME)) {
                next.put(key, current.get(key));
            }
        }
        next.remove(Constants.SERVICE_PID);
        next.remove(ConfigurationAdmin.SERVICE_FACTORYPID);
        List<Problem> problems = new ArrayList<>();
        update.values().forEach((key, value) -> {
            Optional<Attribute> ad = definition.attribute(key);
            if (ad.isEmpty()) {
                problems.add(new Problem(key, "unknown property (known: " + String.join(", ", definition.ids()) + ")"));
            } else if (value == null) {
                next.remove(key);
            } else {
                try {
                    next.put(key, Schemas.convert(ad.get(), value));
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(key, Schemas.isSecret(ad.get(), secretNames)
                            ? "secret value rejected, expected " + Schemas.expected(ad.get()) : e.getMessage()));
                }
            }
        });
        for (Attribute ad : definition.attributes()) {
            boolean reported = problems.stream().anyMatch(p -> p.property().equals(ad.getID()));
            if (Schemas.isRequired(ad) && Schemas.isMissing(next.get(ad.getID())) && !reported) {
                problems.add(new Problem(ad.getID(), "required: it has no default, expected " + Schemas.expected(ad)));
            }
        }
        if (problems.isEmpty()) {
            // what the owner knows beyond the schema, on the configuration as it would be
            Map<String, Object> wouldBe = Collections.unmodifiableMap(next);
            checks.forEach((check, checked) -> {
                if (checked.contains(schemaPid(pid))) {
                    problems.addAll(check.problems(wouldBe));
                }
            });
        }
        if (!problems.isEmpty()) {
            throw new SettingsException(Kind.INVALID, "nothing applied to " + pid, problems);
        }
        return new Validated(definition, existing, revision, current, next);
    }

    @Override
    public synchronized Snapshot set(Update update) throws SettingsException {
        String pid = update.pid();
        Validated v = validate(update);
        Definition definition = v.definition();
        Configuration existing = v.existing();
        long revision = v.revision();
        Dictionary<String, Object> current = v.current();
        Hashtable<String, Object> next = v.next();

        // the file first: a change that cannot be stored must not reach the component, not even for a moment
        boolean newFile = next.get(Schemas.FILENAME) == null && etc != null;
        if (newFile) {
            // spelled as FileInstall spells it (file:/..., not Path's file:///...): when it reads the file
            // back it then finds nothing different, and the component is not given the change twice
            next.put(Schemas.FILENAME, etc.resolve(fileName(pid)).toFile().getAbsoluteFile().toURI().toString());
        }
        Object file = next.get(Schemas.FILENAME);
        try {
            Optional<EtcFile> etcFile = file == null ? Optional.empty() : Optional.of(new EtcFile(Path.of(URI.create(file.toString()))));
            etcFile.ifPresent(f -> next.replaceAll((key, value) -> Schemas.IMPLICIT.contains(key) ? value : f.asWritten(value)));
            if (existing != null && sameProperties(current, next)) {
                return snapshot(pid, Optional.ofNullable(existing.getFactoryPid()), revision, current, Optional.of(definition));
            }
            if (etcFile.isPresent()) {
                etcFile.get().write(next);
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new SettingsException(Kind.REFUSED, "cannot write " + file + " (" + e.getMessage() + "); nothing applied");
        }
        try {
            Configuration target = existing != null ? existing : create(pid);
            // if different: FileInstall may have read the file just written and applied it already
            target.updateIfDifferent(next);
            LOG.info("Configuration {} changed by {}: {}", pid, update.requester(), new TreeSet<>(update.values().keySet()));
            return snapshot(pid, Optional.ofNullable(target.getFactoryPid()), target.getChangeCount(), next,
                    Optional.of(definition));
        } catch (IOException e) {
            throw new SettingsException(Kind.REFUSED, "cannot store " + pid + ": " + e.getMessage());
        }
    }

    /** Equal but for what ConfigAdmin adds by itself. */
    private static boolean sameProperties(Dictionary<String, Object> stored, Dictionary<String, Object> next) {
        Set<String> keys = new HashSet<>(Collections.list(stored.keys()));
        keys.addAll(Collections.list(next.keys()));
        keys.removeAll(Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID));
        return keys.stream().allMatch(k -> Objects.deepEquals(stored.get(k), next.get(k)));
    }

    @Override
    public synchronized void delete(String pid, String requester) throws SettingsException {
        checkSyntax(pid);
        List<Configuration> found = list("(" + Constants.SERVICE_PID + "=" + pid + ")");
        if (found.isEmpty()) {
            throw new SettingsException(Kind.NOT_FOUND, "no configuration " + pid);
        }
        Configuration c = found.get(0);
        if (c.getFactoryPid() == null) {
            throw new SettingsException(Kind.REFUSED, pid + " is not a factory instance; "
                    + "set it with replace to return it to its defaults");
        }
        Object file = c.getProperties() == null ? null : c.getProperties().get(Schemas.FILENAME);
        try {
            c.delete();
            if (file != null) {
                Files.deleteIfExists(Path.of(URI.create(file.toString())));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new SettingsException(Kind.REFUSED, "cannot delete " + pid + ": " + e.getMessage());
        }
        LOG.info("Configuration {} deleted by {}", pid, requester);
    }

    private Configuration create(String pid) throws IOException {
        int tilde = pid.indexOf('~');
        return tilde < 0 ? configAdmin.getConfiguration(pid, "?")
                : configAdmin.getFactoryConfiguration(pid.substring(0, tilde), pid.substring(tilde + 1), "?");
    }

    /** FileInstall's naming: {@code <pid>.cfg}, or {@code <factoryPid>-<name>.cfg} for an instance. */
    private static String fileName(String pid) {
        return pid.replace('~', '-') + ".cfg";
    }

    private Snapshot snapshot(String pid, Optional<String> factoryPid, long revision, Dictionary<String, Object> stored,
            Optional<Definition> definition) {
        Map<String, Object> properties = new TreeMap<>();
        Map<String, Boolean> secrets = new TreeMap<>();
        definition.ifPresent(d -> {
            for (Attribute ad : d.attributes()) {
                if (Schemas.isSecret(ad, secretNames)) {
                    Object value = stored == null ? null : stored.get(ad.getID());
                    secrets.put(ad.getID(), value != null && !value.toString().isEmpty());
                }
            }
        });
        if (stored != null) {
            for (Enumeration<String> keys = stored.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                Optional<Attribute> ad = definition.flatMap(d -> d.attribute(key));
                if (Schemas.IMPLICIT.contains(key) || secrets.containsKey(key)
                        || secretNames.contains(key.toLowerCase(Locale.ROOT))) {
                    continue;
                }
                properties.put(key, ad.map(a -> Schemas.normalise(a, stored.get(key))).orElse(stored.get(key)));
            }
        }
        return new Snapshot(pid, factoryPid, revision, properties, secrets);
    }

    private List<Configuration> list(String filter) throws SettingsException {
        try {
            Configuration[] found = configAdmin.listConfigurations(filter);
            List<Configuration> sorted = new ArrayList<>(found == null ? List.of() : List.of(found));
            sorted.sort((a, b) -> a.getPid().compareTo(b.getPid()));
            return sorted;
        } catch (IOException | InvalidSyntaxException e) {
            throw new SettingsException(Kind.REFUSED, "cannot read configurations: " + e.getMessage());
        }
    }

    private static void checkSyntax(String pid) throws SettingsException {
        if (pid == null || !VALID_PID.matcher(pid).matches()) {
            throw new SettingsException(Kind.REFUSED, "not a PID: " + pid + " (letters, digits, . _ - and one ~name)");
        }
    }

    private static String schemaPid(String pid) {
        int tilde = pid.indexOf('~');
        return tilde < 0 ? pid : pid.substring(0, tilde);
    }
}
