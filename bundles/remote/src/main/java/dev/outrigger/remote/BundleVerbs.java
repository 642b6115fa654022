package dev.outrigger.remote;

import static dev.outrigger.remote.JarDownloads.delete;
import static dev.outrigger.remote.JarDownloads.shown;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.outrigger.framework.logging.Printable;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.framework.updates.UnconfirmedUpdates;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Update;
import dev.outrigger.remote.RequestHandler.Origin;

/**
 * {@code bundles/<verb>}: list the bundles, install or update one from a URL pinned by its SHA-256,
 * uninstall one. Installing a bundle is running code on the gateway, so every request must be
 * signed. A bundle that came from {@code deploy/} is changed through its file there, as a person
 * would, so that the folder stays the truth; the core's bundles (from {@code bundle/}) are restored
 * at every start and cannot be uninstalled. Changes to the bundles the reply travels through are
 * replied to first and carried out afterwards.
 */
final class BundleVerbs implements Verbs, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BundleVerbs.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    /** The framework's: this bundle's own context goes invalid when it updates itself, in mid-request. */
    private final BundleContext framework;
    private final Set<Long> channel;
    private final Optional<Path> core;
    private final JarDownloads downloads;
    private final JarReplacer jars;
    /** Made before any update: a class not loaded yet cannot be once this bundle has updated itself. */
    private final UpdateHealth health;
    private final boolean signed;
    /** Requests and roll backs at the end of a probation, one at a time. */
    private final Object lock = new Object();
    private final Probation probation;
    /** Where an update of the channel's bundles waits to be confirmed (or rolled back by the launcher). */
    private final Optional<UnconfirmedUpdates> unconfirmed;
    /** Published on {@code <root>/<gw>/bundles/events}: what happened without a request to answer. */
    private final Consumer<Map<String, Object>> events;

    /**
     * @param channel the bundles remote requests and their replies depend on: this one, and those
     *        providing its packages and services
     * @param home the distribution's folder ({@code bundle/}, {@code deploy/}), if known
     */
    BundleVerbs(BundleContext context, Set<Long> channel, Optional<Path> home, long maxBundleBytes, boolean signed,
            Duration probation, Optional<UnconfirmedUpdates> unconfirmed, Consumer<Map<String, Object>> events) {
        this.framework = context.getBundle(Constants.SYSTEM_BUNDLE_ID).getBundleContext();
        this.channel = channel;
        this.core = home.map(h -> h.resolve("bundle"));
        this.downloads = new JarDownloads(context.getDataFile("downloads").toPath(), maxBundleBytes);
        this.jars = new JarReplacer(framework, home.map(h -> h.resolve("deploy")), downloads);
        this.health = new UpdateHealth(framework);
        this.signed = signed;
        this.probation = new Probation(probation, health, lock);
        this.unconfirmed = unconfirmed;
        this.events = events;
    }

    /** Watches end; the updates they watched stand. */
    @Override
    public void close() {
        probation.close();
    }

    @Override
    public Object execute(String verb, Map<String, Object> request, Origin origin, String requester) throws Refused {
        if (!signed) {
            throw new Refused("forbidden", "remote bundle management takes signed requests only: "
                    + "set hmacKeyFile in etc/dev.outrigger.remote.cfg");
        }
        synchronized (lock) {
            return switch (verb) {
                case "list" -> list();
                case "install" -> install(request, requester);
                case "uninstall" -> uninstall(request, requester);
                default -> throw new Refused("malformed", "unknown verb " + Printable.of(verb) + "; one of list, install, uninstall");
            };
        }
    }

    private List<Object> list() {
        List<Object> bundles = new ArrayList<>();
        for (Bundle b : framework.getBundles()) {
            bundles.add(describe(b));
        }
        return bundles;
    }

    private Object install(Map<String, Object> request, String requester) throws Refused {
        URI url = url(request);
        if (!(request.get("sha256") instanceof String sha256) || !SHA256.matcher(sha256).matches()) {
            throw new Refused("malformed", "\"sha256\" is missing: the SHA-256 of the jar, 64 hex digits");
        }
        boolean start = !Boolean.FALSE.equals(request.get("start"));
        Path jar = downloads.fetch(url, sha256.toLowerCase(Locale.ROOT));
        boolean handedOver = false;
        try {
            Manifest manifest = JarDownloads.manifest(jar, url);
            String name = manifest.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME).split(";")[0].trim();
            Optional<Bundle> existing = bySymbolicName(name);
            if (existing.isEmpty()) {
                return installNew(jar, shown(url) + "#sha256=" + sha256.toLowerCase(Locale.ROOT), start, requester);
            }
            Bundle bundle = existing.get();
            if (bundle.getBundleId() == 0) {
                throw new Refused("forbidden", "the framework itself is not updated remotely");
            }
            String previous = bundle.getVersion().toString();
            String version = JarDownloads.version(manifest, url);
            probation.end(bundle); // this request takes over from an earlier update's
            if (channel.contains(bundle.getBundleId())) {
                unconfirmed.ifPresent(u -> u.end(name));
                Map<String, Object> result = describe(bundle);
                result.put("version", version);
                result.put("previousVersion", previous);
                result.put("state", "updating");
                result.put("note", "remote requests travel through this bundle: list the bundles again for the outcome");
                handedOver = true;
                return new Deferred(result, () -> Daemons.start("outrigger-remote-update", () -> {
                    try {
                        synchronized (lock) {
                            update(bundle, jar, start, version, previous, requester, url);
                        }
                    } catch (Refused | RuntimeException e) {
                        LOG.error("Remote bundles: {}", e.getMessage());
                    } finally {
                        delete(jar);
                    }
                }));
            }
            return update(bundle, jar, start, version, previous, requester, url);
        } finally {
            if (!handedOver) {
                delete(jar);
            }
        }
    }

    private Map<String, Object> installNew(Path jar, String location, boolean start, String requester) throws Refused {
        Bundle bundle;
        try (InputStream in = Files.newInputStream(jar)) {
            bundle = framework.installBundle(location, in);
        } catch (BundleException | IOException e) {
            throw new Refused("failed", "cannot install " + location + ": " + e.getMessage());
        }
        if (start && !JarReplacer.isFragment(bundle)) {
            try {
                bundle.start();
            } catch (BundleException e) {
                try {
                    bundle.uninstall();
                } catch (BundleException ignored) {
                    // it was never started: uninstalling cannot fail on anything that matters here
                }
                throw new Refused("failed", bundle.getSymbolicName() + " " + bundle.getVersion() + " cannot start, so it was "
                        + "not installed: " + e.getMessage());
            }
        }
        LOG.info("Remote bundles: {} {} installed from {} by {}", bundle.getSymbolicName(), bundle.getVersion(), location,
                requester);
        return describe(bundle);
    }

    /**
     * Replaces the bundle's jar and starts it if asked; if the new one does not resolve or start, or
     * its components do not come up as the old one's did, puts the previous one back, so that a bad
     * release never leaves a gateway without the bundle, or cut off when it is one the requests
     * travel through.
     */
    private Map<String, Object> update(Bundle bundle, Path jar, boolean start, String version, String previous, String requester,
            URI url) throws Refused {
        boolean wasActive = bundle.getState() == Bundle.ACTIVE;
        // not from deploy/, or deploy/ is read-only (a container's): the framework keeps the update
        Optional<Path> file = jars.deployFile(bundle).filter(f -> Files.isWritable(f.getParent()));
        Path kept = jars.keep(bundle, file);
        Set<String> before = health.problemsOnceSettled(bundle);
        boolean watched = false;
        // the channel's: the launcher rolls it back unless the gateway hears itself through the broker in time
        Optional<UnconfirmedUpdates> toConfirm = unconfirmed.filter(u -> start && channel.contains(bundle.getBundleId()));
        try {
            if (toConfirm.isPresent()) {
                // before the update: once this bundle has updated itself, it cannot load what it has not loaded yet
                toConfirm.get().add(new Update(bundle.getSymbolicName(), bundle.getLocation(), version, previous, file, wasActive,
                        Instant.now().plus(probation.length()), UUID.randomUUID().toString()), kept);
            }
            jars.replace(bundle, jar, file, start);
            Optional<String> problems = start ? health.newProblems(bundle, before) : Optional.empty();
            if (problems.isPresent()) {
                throw new BundleException(bundle.getVersion() + " starts, but " + problems.get(), BundleException.ACTIVATOR_ERROR);
            }
            // not the channel's bundles: this very code may be gone by the time one of them goes wrong
            watched = start && probation.enabled() && !channel.contains(bundle.getBundleId());
            if (watched) {
                probation.watch(bundle, before, kept,
                        (jarBack, problemsSince) -> rollBack(bundle, jarBack, file, wasActive, version, previous, problemsSince));
            }
        } catch (BundleException | IOException | IllegalStateException e) {
            toConfirm.ifPresent(u -> u.end(bundle.getSymbolicName()));
            String failure = "cannot update " + bundle.getSymbolicName() + " " + previous + " from " + shown(url) + ": "
                    + e.getMessage();
            try {
                jars.replace(bundle, kept, file, wasActive);
                LOG.warn("Remote bundles: {}; rolled back to {} (request by {})", failure, previous, requester);
                throw new Refused("failed", failure + "; rolled back to " + previous);
            } catch (BundleException | IOException | IllegalStateException again) {
                LOG.error("Remote bundles: {}; rolling back to {} failed too: {}", failure, previous, again.getMessage());
                throw new Refused("failed", failure + "; rolling back to " + previous + " failed too: " + again.getMessage());
            }
        } finally {
            if (!watched) {
                delete(kept);
            }
        }
        LOG.info("Remote bundles: {} updated from {} to {} ({}) by {}{}", bundle.getSymbolicName(), previous, bundle.getVersion(),
                shown(url), requester, watched ? "; watched for " + probation.length().toSeconds() + " s"
                        : toConfirm.isPresent() ? "; rolled back unless confirmed within " + probation.length().toSeconds() + " s" : "");
        Map<String, Object> result = describe(bundle);
        result.put("previousVersion", previous);
        if (watched) {
            result.put("probationSeconds", probation.length().toSeconds());
        }
        return result;
    }

    /**
     * A release that came up, then went wrong within its probation: the previous jar is put back,
     * and that is said in the log and on {@code bundles/events}, since no request waits for it.
     */
    private void rollBack(Bundle bundle, Path kept, Optional<Path> file, boolean wasActive, String version, String previous,
            String problems) {
        String failure = bundle.getSymbolicName() + " " + version + " went wrong within " + probation.length().toSeconds()
                + " s of its update: " + problems;
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("event", "rolledBack");
        event.put("symbolicName", bundle.getSymbolicName());
        event.put("version", version);
        event.put("previousVersion", previous);
        event.put("reason", problems);
        try {
            jars.replace(bundle, kept, file, wasActive);
            LOG.warn("Remote bundles: {}; rolled back to {}", failure, previous);
        } catch (BundleException | IOException | IllegalStateException e) {
            LOG.error("Remote bundles: {}; rolling back to {} failed too: {}", failure, previous, e.getMessage());
            event.put("event", "rollBackFailed");
            event.put("error", e.getMessage());
        }
        events.accept(event);
    }

    private Object uninstall(Map<String, Object> request, String requester) throws Refused {
        if (!(request.get("symbolicName") instanceof String name) || name.isEmpty()) {
            throw new Refused("malformed", "\"symbolicName\" is missing: the bundle's symbolic name");
        }
        Bundle bundle = bySymbolicName(name)
                .orElseThrow(() -> new Refused("not_found", "no bundle " + Printable.of(name) + " is installed"));
        if (bundle.getBundleId() == 0 || core.map(c -> JarReplacer.isIn(bundle, c)).orElse(false)) {
            throw new Refused("forbidden", name + " belongs to the core runtime, which is put back at every start");
        }
        if (channel.contains(bundle.getBundleId())) {
            throw new Refused("forbidden", "remote requests travel through " + name + ": uninstalling it would cut this "
                    + "gateway off; do it from the shell");
        }
        probation.end(bundle);
        Map<String, Object> result = describe(bundle);
        try {
            Optional<Path> file = jars.deployFile(bundle);
            if (file.isPresent() && !Files.isWritable(file.get().getParent())) {
                throw new Refused("forbidden", name + " comes from " + file.get() + ", in a read-only folder: "
                        + "FileInstall would put it back");
            }
            jars.remove(bundle, file);
        } catch (BundleException | IOException | IllegalStateException e) {
            throw new Refused("failed", "cannot uninstall " + name + ": " + e.getMessage());
        }
        LOG.info("Remote bundles: {} {} uninstalled by {}", name, result.get("version"), requester);
        result.put("state", "uninstalled");
        return result;
    }

    private static URI url(Map<String, Object> request) throws Refused {
        if (!(request.get("url") instanceof String text)) {
            throw new Refused("malformed", "\"url\" is missing: where to fetch the bundle jar (http or https)");
        }
        try {
            URI url = new URI(text);
            if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
                throw new Refused("malformed", "\"url\" must be an http or https URL");
            }
            return url;
        } catch (URISyntaxException e) {
            throw new Refused("malformed", "\"url\" is not a URL: " + e.getMessage());
        }
    }

    private Optional<Bundle> bySymbolicName(String name) {
        for (Bundle b : framework.getBundles()) {
            if (name.equals(b.getSymbolicName())) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private static Map<String, Object> describe(Bundle b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.getBundleId());
        m.put("symbolicName", b.getSymbolicName());
        m.put("version", b.getVersion().toString());
        m.put("state", switch (b.getState()) {
            case Bundle.INSTALLED -> "installed";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            case Bundle.ACTIVE -> "active";
            default -> "uninstalled";
        });
        m.put("location", b.getLocation());
        return m;
    }
}
