package dev.outrigger.shell;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import dev.outrigger.framework.bundles.BundleUpdate;
import dev.outrigger.framework.refresh.Refresh;

/**
 * {@code install [-s] <url or path>...}: Felix's own {@code install} only prints what went wrong and
 * cannot start what it installed. This one starts on request and fails as a whole, so
 * {@code bin/outrigger-shell} exits non-zero. {@code refresh [bundle...]}: Gogo's fails with a
 * NullPointerException when given no bundle, and returns before the framework is done; this one
 * waits and says which bundles restarted. {@code update <bundle> [url or path]}: Felix's only prints
 * what went wrong, and leaves stopped a bundle whose start the framework gave up (see
 * {@link BundleUpdate}); this one starts it again, and fails when it cannot. The shell's
 * {@code SCOPE} puts these before Felix's.
 */
@Component(service = BundleCommands.class, property = { "osgi.command.scope=outrigger", "osgi.command.function=install",
        "osgi.command.function=refresh", "osgi.command.function=update" })
public class BundleCommands {

    private static final Duration REFRESH_TIMEOUT = Duration.ofSeconds(30);

    /** What a URL begins with ({@code file:}, {@code https:}, {@code mvn:}); a path does not. */
    private static final Pattern URL_SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]+:");

    private final BundleContext context;
    private final Refresh refresh;

    @Activate
    public BundleCommands(BundleContext context) {
        this.context = context;
        this.refresh = new Refresh(context);
    }

    @Descriptor("install bundles (kept across restarts), optionally starting them")
    public String install(CommandSession session,
            @Descriptor("start the installed bundles") @Parameter(names = { "-s", "--start" }, presentValue = "true", absentValue = "false") boolean start,
            @Descriptor("bundle URLs or absolute paths, e.g. file:/path/to/bundle.jar, /path/to/bundle.jar") String... urls)
            throws BundleException {
        if (urls.length == 0) {
            throw new IllegalArgumentException("install needs at least one bundle URL or path");
        }
        List<Bundle> installed = new ArrayList<>();
        for (String url : urls) {
            try {
                installed.add(context.installBundle(location(url.trim())));
            } catch (BundleException e) {
                throw new BundleException("cannot install " + url + ": " + rootMessage(e), e);
            }
        }
        if (start) {
            for (Bundle b : installed) {
                try {
                    b.start();
                } catch (BundleException e) {
                    throw new BundleException("installed " + url(b) + " as bundle " + b.getBundleId()
                            + " but cannot start it: " + rootMessage(e), e);
                }
            }
        }
        return "Bundle ID: " + installed.stream().map(b -> Long.toString(b.getBundleId())).collect(Collectors.joining(", "));
    }

    @Descriptor("update a bundle from where it was installed from; it comes back started if it is meant to run")
    public String update(@Descriptor("bundle id or symbolic name") String bundle) throws BundleException {
        return update(bundle(bundle), Optional.empty());
    }

    @Descriptor("update a bundle from a URL or an absolute path; it comes back started if it is meant to run")
    public String update(@Descriptor("bundle id or symbolic name") String bundle,
            @Descriptor("bundle URL or absolute path") String url) throws BundleException, IOException {
        Bundle target = bundle(bundle);
        InputStream in;
        try {
            in = new URL(location(url.trim())).openStream();
        } catch (IOException | BundleException e) {
            throw new BundleException("cannot update " + target.getSymbolicName() + " " + target.getVersion() + " from " + url
                    + ": " + rootMessage(e), e);
        }
        try (in) {
            return update(target, Optional.of(in));
        }
    }

    private static String update(Bundle bundle, Optional<InputStream> jar) throws BundleException {
        String before = bundle.getVersion().toString();
        try {
            BundleUpdate.update(bundle, jar);
        } catch (BundleException e) {
            throw new BundleException("cannot update " + bundle.getSymbolicName() + " " + before + ": " + rootMessage(e), e);
        }
        return bundle.getSymbolicName() + " " + before + " updated to " + bundle.getVersion() + " (bundle " + bundle.getBundleId()
                + (bundle.getState() == Bundle.ACTIVE ? ", active)" : ", not started: it was stopped)");
    }

    @Descriptor("refresh bundles, restarting them and those wired to them, and wait until done")
    public String refresh(@Descriptor("bundle ids or symbolic names; none: those updated or uninstalled whose old revision is still in use") String... bundles) {
        Collection<Bundle> targets = bundles.length == 0 ? refresh.pending() : Arrays.stream(bundles).map(this::bundle).toList();
        if (targets.isEmpty()) {
            return "nothing to refresh: no bundle updated or uninstalled is still in use by others";
        }
        String restarted = refresh.closure(targets).stream().sorted(Comparator.comparingLong(Bundle::getBundleId))
                .map(b -> b.getBundleId() + " " + b.getSymbolicName()).collect(Collectors.joining(", "));
        if (!refresh.refresh(targets, REFRESH_TIMEOUT)) {
            throw new IllegalStateException("refresh of " + restarted + " not done after " + REFRESH_TIMEOUT.toSeconds()
                    + " s; it goes on (lb shows where it stands)");
        }
        return "refreshed: " + restarted;
    }

    private Bundle bundle(String idOrName) {
        Bundle found = idOrName.matches("\\d{1,18}") ? context.getBundle(Long.parseLong(idOrName))
                : Arrays.stream(context.getBundles()).filter(b -> idOrName.equals(b.getSymbolicName())).findFirst().orElse(null);
        if (found == null) {
            throw new IllegalArgumentException("no bundle " + idOrName + " (lb lists them)");
        }
        return found;
    }

    /**
     * A URL as given; a path (no scheme) as its file URL. A relative one is refused: the command
     * runs in the runtime, whose working directory is not the caller's.
     */
    private static String location(String spec) throws BundleException {
        if (URL_SCHEME.matcher(spec).lookingAt()) {
            return spec;
        }
        Path path = Path.of(spec);
        if (!path.isAbsolute()) {
            throw new BundleException("a relative path; give an absolute path or a URL");
        }
        if (!Files.isRegularFile(path)) {
            throw new BundleException("no such file");
        }
        return path.toFile().toURI().toString();
    }

    private static String url(Bundle b) {
        return b.getLocation();
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause == e ? e.getMessage() : e.getMessage() + " (" + cause + ")";
    }
}
