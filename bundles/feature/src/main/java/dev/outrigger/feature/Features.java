package dev.outrigger.feature;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.commands.MissingCommands;
import dev.outrigger.framework.bundles.BundleUpdate;
import dev.outrigger.framework.files.DataFolder;
import dev.outrigger.framework.refresh.Refresh;
import dev.outrigger.framework.table.Table;
import dev.outrigger.framework.threads.Daemons;

/**
 * The feature service, with its Gogo commands {@code feature:*}: installs and removes features
 * live from the distribution's local repository ({@code repository/}, Maven layout), never from
 * the network. A feature counts as installed when each of its bundles is installed at the
 * feature's version, so the state needs no bookkeeping of its own and survives restarts with the
 * framework's bundle cache.
 */
@Component(service = { Features.class, MissingCommands.class }, property = {
        "osgi.command.scope=feature",
        "osgi.command.function=list",
        "osgi.command.function=install",
        "osgi.command.function=uninstall" })
public class Features implements MissingCommands {

    /** The feature the launcher itself boots; removing it would remove the shell in use. */
    static final String CORE = "core";
    private static final Duration REFRESH = Duration.ofSeconds(60);
    /** The framework's start, at most, that an installation waits for before it starts bundles. */
    private static final Duration FRAMEWORK_START = Duration.ofSeconds(120);
    /** Within the launcher's 4 s for every bundle to stop, under emulation too: one bundle's step at most. */
    private static final Duration LIST_END = Duration.ofSeconds(1);
    private static final ThreadFactory LISTS = Daemons.named("outrigger-features");
    private static final Logger LOG = LoggerFactory.getLogger(Features.class);

    private final BundleContext context;
    private final Bundle framework;
    private final FeatureConfigurations configurations;
    /** The feature descriptors' folder, {@code features/}. */
    private final Path descriptors;
    private final Path repository;
    private final UnfinishedFeatures unfinished;
    /** Made at once: a feature may update this very bundle, whose classes not loaded by then cannot be. */
    private final Refresh refresh;
    /**
     * The lists from configuration, carried out one after the other in the order they came, off the
     * configuration thread (installing starts bundles, whose components want configuration too).
     */
    private final ExecutorService lists = Executors.newSingleThreadExecutor(task -> listsThread = LISTS.newThread(task));
    private volatile Thread listsThread;
    private volatile boolean closing;
    /** Counted down by the framework's STARTED: its start levels all climbed. */
    private final CountDownLatch frameworkStarted = new CountDownLatch(1);
    private final FrameworkListener startedListener = event -> {
        if (event.getType() == FrameworkEvent.STARTED) {
            frameworkStarted.countDown();
        }
    };
    /**
     * The framework's stop, heard before it stops any bundle: the list under way ends then, so that
     * no bundle is starting when the framework comes to stop it (which it cannot, and says so).
     */
    private final SynchronousBundleListener frameworkStopping = event -> {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            endLists();
        }
    };
    /** Why feature files could not be read, as said in the log. */
    private final Set<String> saidUnreadable = ConcurrentHashMap.newKeySet();

    @Activate
    public Features(BundleContext context, @Reference ConfigurationAdmin configAdmin) {
        this.context = context;
        this.framework = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        this.refresh = new Refresh(context);
        Path home = Path.of(Optional.ofNullable(context.getProperty("outrigger.home")).orElse("."));
        this.descriptors = pathProperty("outrigger.features", home.resolve("features"));
        this.repository = pathProperty("outrigger.repository", home.resolve("repository"));
        // where configuration files live: FileInstall's folder, if it reads one
        String watched = context.getProperty("felix.fileinstall.dir");
        this.configurations = new FeatureConfigurations(configAdmin, watched == null ? null : Path.of(watched.split(",")[0].trim()));
        this.unfinished = new UnfinishedFeatures(DataFolder.of(context).resolve("feature-unfinished"));
        context.addBundleListener(frameworkStopping);
        context.addFrameworkListener(startedListener);
    }

    /** The features whose installation or uninstallation a stop cut short. */
    List<String> unfinished() throws IOException {
        return unfinished.names();
    }

    private static void requireNames(String verb, String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("which features? feature:" + verb + " <name>...; feature:list lists them");
        }
    }

    /**
     * Ends a list under way at its next bundle, and lets it end while this bundle's classes can
     * still be loaded (a stop during start-up; the feature cut short is finished at the next
     * start), unless that list is what stops this bundle, by updating it.
     */
    @Deactivate
    void deactivate() {
        context.removeBundleListener(frameworkStopping);
        context.removeFrameworkListener(startedListener);
        endLists();
    }

    private void endLists() {
        lists.shutdown();
        if (closing || Thread.currentThread() == listsThread) {
            return; // ended on the framework's stop already, or this bundle updated by its own list
        }
        closing = true;
        try {
            if (!lists.awaitTermination(LIST_END.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Features: the list under way did not end within {} ms; it goes on", LIST_END.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether this service stops: deactivated, or the runtime stopping (which it notices before
     * its own turn comes). An installation under way then ends at its next bundle.
     */
    boolean stopping() {
        return closing || (framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) == 0;
    }

    /** Until the framework has started what it starts at its start levels, or stops meanwhile. */
    private void awaitFrameworkStarted(String feature) {
        long deadline = System.nanoTime() + FRAMEWORK_START.toNanos();
        try {
            while (framework.getState() == Bundle.STARTING && !closing && System.nanoTime() - deadline < 0) {
                frameworkStarted.await(50, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopIfStopping(feature);
    }

    private void stopIfStopping(String feature) {
        if (stopping()) {
            throw new IllegalStateException("feature " + feature + " cut short: the feature service stops");
        }
    }

    /**
     * Runs the task after those given before it, on a thread of its own; none once the framework or
     * this service stops (the next start reads the configuration again).
     */
    void inTurn(Runnable task) {
        try {
            lists.execute(task);
        } catch (RejectedExecutionException stopping) {
            LOG.debug("Features: a list given while the feature service stops waits for the next start");
        }
    }

    @Descriptor("list the features of this distribution and whether they are installed")
    public String list() throws IOException {
        Feature.Catalog catalog = catalog();
        List<Feature> all = catalog.features();
        List<Feature> installedFeatures = new ArrayList<>();
        for (Feature f : all) {
            if (isInstalled(f)) {
                installedFeatures.add(f);
            }
        }
        Table table = new Table().column("NAME").column("VERSION").column("STATE").column("DESCRIPTION");
        for (Feature f : all) {
            table.row(f.name(), f.id().version(), state(f, all, installedFeatures), f.description());
        }
        StringBuilder out = new StringBuilder(table.toString());
        catalog.unreadable().values().forEach(why -> out.append("cannot be read: ").append(why).append(System.lineSeparator()));
        return out.toString();
    }

    @Descriptor("install features: their bundles from the local repository and their default configuration")
    public synchronized String install(@Descriptor("feature names") String... names) throws IOException, BundleException {
        requireNames("install", names);
        StringBuilder out = new StringBuilder();
        for (String name : names) {
            Feature feature = find(name);
            // a stop (or a power cut) after its bundles were installed and before they were all
            // started would leave them resolved but stopped, and the feature counted as installed:
            // the feature under way is written down first, and its bundles started at the next go
            boolean cutShort = unfinished.names().contains(name);
            List<Feature.Entry> missing = new ArrayList<>();
            for (Feature.Entry entry : feature.bundles()) {
                if (installed(entry).isEmpty()) {
                    missing.add(entry);
                }
            }
            if (!missing.isEmpty()) {
                unfinished.mark(name);
            }
            List<Bundle> added = new ArrayList<>();
            List<Bundle> updated = new ArrayList<>();
            for (Feature.Entry entry : missing) {
                stopIfStopping(name);
                Optional<Bundle> other = otherVersion(entry);
                if (other.isPresent()) {
                    updated.add(updateBundle(other.get(), entry));
                } else {
                    added.add(installBundle(entry));
                }
            }
            refreshReplaced(updated);
            // not once the runtime stops: FileInstall, stopped first, would not write them to etc/
            stopIfStopping(name);
            int configured = configurations.apply(feature);
            List<Bundle> toStart = new ArrayList<>(added);
            // with what it brought back, those of its bundles that were to run and could not (an
            // uninstall a power cut ended half way, a library removed by hand) start too; after a
            // stop cut its installation short, those it had not started yet
            if (cutShort || !added.isEmpty() || !updated.isEmpty()) {
                for (Feature.Entry entry : feature.bundles()) {
                    installed(entry).filter(b -> b.getState() != Bundle.ACTIVE && !toStart.contains(b)
                            && (cutShort || b.adapt(BundleStartLevel.class).isPersistentlyStarted())).ifPresent(toStart::add);
                }
            }
            if (cutShort) {
                LOG.info("Feature {}: finishing its installation, which a stop cut short", name);
            }
            // after the framework's own start: its start-level thread, starting a bundle of the
            // feature left from before while this resolves, would give up on it for good
            if (!toStart.isEmpty()) {
                awaitFrameworkStarted(name);
            }
            // resolved together first, waiting for the framework's resolver like any caller: a
            // start that must resolve while holding its bundle's lock gives up instead of waiting
            // when another thread resolves meanwhile (a configuration listener reading Metatype)
            framework.adapt(FrameworkWiring.class).resolveBundles(toStart);
            for (Bundle b : toStart) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    stopIfStopping(name);
                    b.start();
                }
            }
            if (!missing.isEmpty() || cutShort) {
                unfinished.clear(name);
            }
            String upgraded = updated.isEmpty() ? "" : ", " + updated.size() + " updated to the distribution's version";
            if (added.isEmpty() && updated.isEmpty() && configured == 0) {
                // as at every start for each configured feature: nothing worth a line
                LOG.debug("Feature {} already installed", name);
            } else {
                LOG.info("Feature {} installed: {} bundle(s) added{}, {} configuration(s) created", name, added.size(), upgraded,
                        configured);
            }
            out.append(String.format(Locale.ROOT, "%s: %d bundle(s) added%s, %d configuration(s) created%n", name, added.size(),
                    upgraded, configured));
        }
        return out.toString();
    }

    @Descriptor("uninstall features: the bundles feature:install added that no other installed feature needs, and the "
            + "configurations it created, unless changed since")
    public synchronized String uninstall(@Descriptor("feature names") String... names) throws IOException, BundleException {
        requireNames("uninstall", names);
        StringBuilder out = new StringBuilder();
        for (String name : names) {
            if (CORE.equals(name)) {
                throw new IllegalArgumentException("feature core is the runtime itself and cannot be uninstalled");
            }
            List<Feature> all = Feature.readAll(descriptors);
            Feature feature = find(name, all);
            // features this one contains go with it; those containing it are incomplete after
            Set<ArtifactId> stillNeeded = new HashSet<>();
            for (Feature other : all) {
                if (other != feature && !feature.includes(other, all) && !other.includes(feature, all)
                        && isInstalled(other)) {
                    other.bundles().forEach(e -> stillNeeded.add(e.artifact()));
                }
            }
            // a stop (or a power cut) half way through leaves bundles of it that cannot start, their
            // libraries gone: written down first, the next start makes the feature whole again
            unfinished.mark(name);
            List<Bundle> removed = new ArrayList<>();
            for (Feature.Entry entry : feature.bundles()) {
                Optional<Bundle> bundle = installed(entry);
                // bundles from bundle/ and deploy/ belong to those folders, not to features
                if (bundle.isPresent() && !stillNeeded.contains(entry.artifact()) && installedByFeature(bundle.get(), entry)) {
                    bundle.get().uninstall();
                    removed.add(bundle.get());
                }
            }
            context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class).refreshBundles(removed);
            List<String> kept = new ArrayList<>();
            int deleted = removeConfigurations(feature, all, kept);
            unfinished.clear(name);
            LOG.info("Feature {} uninstalled: {} bundle(s) removed, {} configuration(s) removed{}", name, removed.size(), deleted,
                    kept.isEmpty() ? "" : "; kept " + String.join(", ", kept));
            out.append(String.format(Locale.ROOT, "%s: %d bundle(s) removed, %d configuration(s) removed%s%n", name, removed.size(),
                    deleted, kept.isEmpty() ? "" : "; kept " + String.join(", ", kept)));
        }
        return out.toString();
    }

    /**
     * The names of the features these contain, themselves included; names of no feature are left out.
     * For the features declared in configuration: one no longer named there goes, unless one still
     * named contains it.
     */
    Set<String> within(List<String> names) throws IOException {
        List<Feature> all = Feature.readAll(descriptors);
        Set<String> contained = new HashSet<>();
        for (Feature outer : all) {
            if (names.contains(outer.name())) {
                contained.add(outer.name());
                all.stream().filter(inner -> outer.includes(inner, all)).forEach(inner -> contained.add(inner.name()));
            }
        }
        return contained;
    }

    /**
     * The configurations a feature brought, unless a feature still installed lists them too.
     * Nothing when the feature is still installed, as one from bundle/ or deploy/ stays.
     */
    private int removeConfigurations(Feature feature, List<Feature> all, List<String> kept) throws IOException {
        if (isInstalled(feature)) {
            return 0;
        }
        Set<String> stillListed = new HashSet<>();
        for (Feature other : all) {
            if (other != feature && isInstalled(other)) {
                stillListed.addAll(other.configurations().keySet());
            }
        }
        return configurations.remove(feature, stillListed, kept);
    }

    /** Whether the feature of this name (one of the distribution's) has a bundle of this artifact id. */
    boolean contains(String name, String artifactId) throws IOException {
        return find(name).bundles().stream().anyMatch(e -> e.artifact().artifactId().equals(artifactId));
    }

    /** Whether the distribution has a feature of this name. */
    boolean exists(String name) throws IOException {
        Feature.Catalog catalog = catalog();
        // one that cannot be read is there all the same: installing it says why it cannot be
        return catalog.unreadable().containsKey(name + ".json") || catalog.features().stream().anyMatch(f -> f.name().equals(name));
    }

    /** Whether the distribution has a feature of this name, or its features cannot be read to tell. */
    boolean existsOrUnknown(String name) {
        try {
            return exists(name);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Whether the feature of this name has each of its bundles installed; false when that cannot be told. */
    boolean installed(String name) {
        try {
            return isInstalled(find(name));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The file in etc/ a configuration of this PID is read from, when FileInstall reads a folder. */
    Optional<Path> configurationFile(String pid) {
        return configurations.file(pid);
    }

    /** The feature of this name; an IllegalArgumentException naming those there are when none is. */
    Feature find(String name) throws IOException {
        Feature.Catalog catalog = catalog();
        String unreadable = catalog.unreadable().get(name + ".json");
        if (unreadable != null) {
            throw new IllegalArgumentException("feature " + name + " cannot be read: " + unreadable);
        }
        return find(name, catalog.features());
    }

    private Feature find(String name, List<Feature> all) {
        return all.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no feature named " + name + " in " + descriptors + " (there are "
                        + all.stream().map(Feature::name).sorted().collect(Collectors.joining(", ")) + ")"));
    }

    /**
     * The features that can be read, the others said once in the log: a file written wrong (one of
     * your own, say) leaves every other feature as it was.
     */
    private Feature.Catalog catalog() throws IOException {
        Feature.Catalog catalog = Feature.catalog(descriptors);
        catalog.unreadable().values().stream().filter(saidUnreadable::add)
                .forEach(why -> LOG.warn("Feature file left out, the other features are not affected: {}", why));
        return catalog;
    }

    @Override
    public Optional<String> featureOffering(String command) {
        try {
            List<Feature> candidates = new ArrayList<>();
            for (Feature feature : catalog().features()) {
                for (Feature.Entry entry : feature.bundles()) {
                    if (installed(entry).isEmpty() && ComponentCommands.in(entry.artifact().in(repository)).stream()
                            .anyMatch(c -> c.equals(command) || c.endsWith(":" + command))) {
                        candidates.add(feature);
                        break;
                    }
                }
            }
            return candidates.stream().min(Comparator.comparingInt(f -> f.bundles().size())).map(Feature::name);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Features: which feature offers {} is not known: {}", command, e.getMessage());
            return Optional.empty();
        }
    }

    private boolean isInstalled(Feature feature) throws IOException {
        for (Feature.Entry entry : feature.bundles()) {
            if (installed(entry).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * installed, partial or -. Bundles it shares with an installed feature it does not contain
     * (jSerialComm, the outbox) do not make it partial: they are there for that one.
     */
    private String state(Feature feature, List<Feature> all, List<Feature> installedFeatures) throws IOException {
        if (installedFeatures.contains(feature)) {
            return "installed";
        }
        Set<ArtifactId> explained = new HashSet<>();
        for (Feature other : installedFeatures) {
            if (!feature.includes(other, all)) {
                other.bundles().forEach(e -> explained.add(e.artifact()));
            }
        }
        for (Feature.Entry entry : feature.bundles()) {
            if (!explained.contains(entry.artifact()) && installed(entry).isPresent()) {
                return "partial";
            }
        }
        return "-";
    }

    private Optional<Bundle> installed(Feature.Entry entry) throws IOException {
        Manifest manifest = manifest(entry);
        String bsn = manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME).split(";")[0].trim();
        Version version = Version.parseVersion(manifest.getMainAttributes().getValue(Constants.BUNDLE_VERSION));
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && version.equals(b.getVersion())) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private Manifest manifest(Feature.Entry entry) throws IOException {
        Path jar = entry.artifact().in(repository);
        if (!Files.isRegularFile(jar)) {
            throw new IOException("bundle " + entry.artifact() + " is not in the local repository: " + jar + " is missing");
        }
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = in.getManifest();
            if (manifest == null || manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME) == null) {
                throw new IOException(jar + " is not an OSGi bundle");
            }
            return manifest;
        }
    }

    /**
     * Whether feature:install installed the bundle: it came from the artifact's place in a Maven
     * layout (bundle/ and deploy/ are flat), of any version, in this repository or in that of a
     * distribution since moved or upgraded (a data volume kept across image upgrades keeps the
     * framework cache, old locations too).
     */
    private static boolean installedByFeature(Bundle bundle, Feature.Entry entry) {
        ArtifactId a = entry.artifact();
        String place = "/" + a.groupId().replace('.', '/') + "/" + a.artifactId() + "/";
        String location = bundle.getLocation();
        int at = location.lastIndexOf(place);
        return at >= 0 && location.substring(at + place.length()).matches("[^/]+/" + Pattern.quote(a.artifactId() + "-") + "[^/]+");
    }

    /**
     * A bundle of the entry's symbolic name that an earlier feature:install put in at another
     * version: a distribution upgraded under a kept data folder. It is updated, not joined by a
     * second version that would run next to it.
     */
    private Optional<Bundle> otherVersion(Feature.Entry entry) throws IOException {
        String bsn = manifest(entry).getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME).split(";")[0].trim();
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && installedByFeature(b, entry)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private Bundle updateBundle(Bundle bundle, Feature.Entry entry) throws IOException, BundleException {
        String previous = bundle.getVersion().toString();
        try (InputStream in = Files.newInputStream(entry.artifact().in(repository))) {
            BundleUpdate.update(bundle, Optional.of(in));
        }
        bundle.adapt(BundleStartLevel.class).setStartLevel(entry.startOrder());
        LOG.info("{} updated from {} to {}, the version of this distribution", bundle.getSymbolicName(), previous, bundle.getVersion());
        return bundle;
    }

    /** Libraries export packages: their users move to the new version, and the old one goes. */
    private void refreshReplaced(List<Bundle> updated) {
        if (!refresh.replaced(updated, REFRESH)) {
            LOG.warn("Refreshing the users of {} takes longer than {} s", updated, REFRESH.toSeconds());
        }
    }

    /** Where feature:install installs a bundle from: its file in the local repository. */
    private String location(Feature.Entry entry) {
        return entry.artifact().in(repository).toUri().toString();
    }

    private Bundle installBundle(Feature.Entry entry) throws IOException, BundleException {
        Bundle bundle;
        try (InputStream in = Files.newInputStream(entry.artifact().in(repository))) {
            bundle = context.installBundle(location(entry), in);
        }
        bundle.adapt(BundleStartLevel.class).setStartLevel(entry.startOrder());
        return bundle;
    }

    private Path pathProperty(String key, Path fallback) {
        String value = context.getProperty(key);
        return value == null ? fallback : Path.of(value);
    }
}
