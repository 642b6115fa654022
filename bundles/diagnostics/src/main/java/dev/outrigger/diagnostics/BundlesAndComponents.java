package dev.outrigger.diagnostics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

import dev.outrigger.config.Settings;
import dev.outrigger.framework.bundles.MissingRequirement;
import dev.outrigger.health.ProblemSource;
import dev.outrigger.health.RuntimeHealth;

/**
 * The runtime's health as its bundles and Declarative Services components show it, with the
 * configurations their schemas reject and what the {@link ProblemSource}s report (the configured
 * features still being installed), and the {@code health} command that prints it (for a
 * container's readiness probe, or a person). An immediate component only counts as up once
 * active: Felix SCR leaves one it cannot make satisfied.
 * A component waiting for a configuration it requires is fine: factory components wait so.
 */
@Component(property = { "osgi.command.scope=outrigger", "osgi.command.function=health" })
public class BundlesAndComponents implements RuntimeHealth {

    private static final String CAUSED_BY = "Caused by: ";
    /** How long a component may take to pass a reactivation before it counts as stuck. */
    private static final Duration PASSING = Duration.ofSeconds(1);

    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    /** The configurations' validation, once its bundle runs: what they hold that their schemas reject. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Settings settings;
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private volatile List<ProblemSource> sources;

    @Activate
    public BundlesAndComponents(BundleContext context, @Reference ServiceComponentRuntime scr) {
        this.context = context;
        this.scr = scr;
    }

    @Descriptor("whether every bundle is active, every component up, every configuration fits its schema and every configured "
            + "feature is installed; fails, naming each problem, when not")
    public String health() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
        return "healthy: " + context.getBundles().length + " bundles, each active (fragments resolved) with its components up"
                + (settings == null ? "" : ", every configuration as its schema and owner say");
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            try {
                problems.addAll(problems(b));
            } catch (IllegalStateException e) {
                if (b.getState() != Bundle.UNINSTALLED) {
                    throw e;
                }
                // uninstalled as it was looked at (the framework then refuses to read it): gone, no problem
            }
        }
        Settings validation = settings;
        if (validation != null) {
            problems.addAll(validation.problems());
        }
        for (ProblemSource source : sources) {
            try {
                problems.addAll(source.problems());
            } catch (RuntimeException e) {
                problems.add("cannot tell the problems " + source.getClass().getName() + " knows of: " + e);
            }
        }
        return problems;
    }

    @Override
    public List<String> problems(long bundleId) {
        Bundle bundle = context.getBundle(bundleId);
        return bundle == null ? List.of() : problems(bundle);
    }

    @Override
    public boolean settled(long bundleId) {
        Bundle bundle = context.getBundle(bundleId);
        return bundle == null || bundle.getState() != Bundle.ACTIVE || notYetUp(bundle, components(bundle)).isEmpty();
    }

    /** A component as Declarative Services shows it now: enabled or not, and its configurations if enabled. */
    private record Seen(ComponentDescriptionDTO description, boolean enabled, Collection<ComponentConfigurationDTO> configurations) {
    }

    /** The bundle's components, each asked for once. */
    private List<Seen> components(Bundle bundle) {
        List<Seen> seen = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle)) {
            boolean enabled = scr.isComponentEnabled(d);
            seen.add(new Seen(d, enabled, enabled ? scr.getComponentConfigurationDTOs(d) : List.of()));
        }
        return seen;
    }

    /**
     * What Declarative Services has not done yet for an active bundle, as it does right after the
     * bundle starts: take up its components, enable those enabled by default (a moment after it
     * took them up; or never, when someone disabled one), make those that need no configuration.
     */
    private static List<String> notYetUp(Bundle bundle, List<Seen> components) {
        List<String> waiting = new ArrayList<>();
        if (components.isEmpty() && bundle.getHeaders("").get(ComponentConstants.SERVICE_COMPONENT) != null
                && bundle.getHeaders("").get(Constants.FRAGMENT_HOST) == null) {
            waiting.add("bundle " + bundle.getSymbolicName() + ": its components are not taken up by Declarative Services");
        }
        for (Seen c : components) {
            ComponentDescriptionDTO d = c.description();
            if (!c.enabled()) {
                if (d.defaultEnabled) {
                    waiting.add("component " + d.name + " is not enabled");
                }
            } else if (!"require".equals(d.configurationPolicy) && c.configurations().isEmpty()) {
                waiting.add("component " + d.name + " is not set up yet");
            }
        }
        return waiting;
    }

    /**
     * What it lacks, or the other version of it that holds its place: a singleton (every Outrigger
     * bundle is one) waits while another version of it is resolved. Neither: it was updated or
     * installed while stopped and is simply not resolved yet, or its requirements clash.
     */
    private String whyNotResolved(Bundle bundle) {
        return whyItCannotResolve(context, bundle).orElse("not resolved: start it, and it resolves or says why not");
    }

    /** What keeps it from resolving, where that is something installed or missing; empty when nothing does, as far as that goes. */
    static Optional<String> whyItCannotResolve(BundleContext context, Bundle bundle) {
        Optional<String> missing = MissingRequirement.of(bundle, context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION)
                .adapt(FrameworkWiring.class));
        if (missing.isPresent()) {
            return Optional.of("it does not resolve: nothing installed provides " + missing.get());
        }
        for (Bundle other : context.getBundles()) {
            if (other != bundle && bundle.getSymbolicName() != null && bundle.getSymbolicName().equals(other.getSymbolicName())
                    && (other.getState() & (Bundle.RESOLVED | Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) != 0) {
                return Optional.of("it does not resolve: version " + other.getVersion() + " of it runs, from " + other.getLocation()
                        + ", and one version at a time may: remove the jar of " + bundle.getVersion() + " or of " + other.getVersion());
            }
        }
        return Optional.empty();
    }

    private List<String> problems(Bundle bundle) {
        List<String> problems = new ArrayList<>();
        String name = bundle.getSymbolicName();
        boolean fragment = bundle.getHeaders("").get(Constants.FRAGMENT_HOST) != null;
        int state = bundle.getState();
        if (state == Bundle.UNINSTALLED) {
            return problems;
        }
        if (!fragment && state != Bundle.ACTIVE || fragment && state == Bundle.INSTALLED) {
            problems.add("bundle " + name + " is " + stateName(state) + (state == Bundle.INSTALLED ? " (" + whyNotResolved(bundle) + ")" : ""));
            return problems;
        }
        List<Seen> components = components(bundle);
        problems.addAll(notYetUp(bundle, components));
        for (Seen seen : components) {
            ComponentDescriptionDTO d = seen.description();
            for (ComponentConfigurationDTO seenNow : seen.configurations()) {
                ComponentConfigurationDTO c = past(d, seenNow);
                String problem = c == null ? null : switch (c.state) {
                    case ComponentConfigurationDTO.FAILED_ACTIVATION -> "fails to activate: " + reason(c.failure);
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "lacks a service for its reference " + missing(d, c);
                    case ComponentConfigurationDTO.SATISFIED -> d.immediate ? "does not activate (the log says why)" : null;
                    default -> null;
                };
                if (problem != null && !problems.contains("component " + d.name + " " + problem)) {
                    problems.add("component " + d.name + " " + problem);
                }
            }
        }
        return problems;
    }

    /**
     * The component configuration once past the states SCR passes through each time it
     * reactivates one whose configuration changed: an immediate one satisfied but not active yet,
     * one said to lack a service while it lacks none. Still in one after a moment: stuck there (an
     * immediate component SCR cannot activate stays satisfied). Null when it went away meanwhile.
     */
    private ComponentConfigurationDTO past(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        long deadline = System.nanoTime() + PASSING.toNanos();
        long id = c.id;
        ComponentConfigurationDTO now = c;
        while (now != null && passing(d, now) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            now = scr.getComponentConfigurationDTOs(d).stream().filter(next -> next.id == id).findFirst().orElse(null);
        }
        return now;
    }

    private static boolean passing(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        return c.state == ComponentConfigurationDTO.SATISFIED && d.immediate
                || c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE && c.unsatisfiedReferences.length == 0;
    }

    private static String missing(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        List<String> missing = new ArrayList<>();
        for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
            String service = Arrays.stream(d.references).filter(ref -> ref.name.equals(r.name)).map(ref -> ref.interfaceName)
                    .findFirst().orElse("?");
            String wanted = service + (r.target == null ? "" : " " + r.target);
            // a constructor's reference has a generated name ($000): the service says all
            missing.add(r.name.startsWith("$") ? wanted : r.name + " (" + wanted + ")");
        }
        return String.join(", ", missing);
    }

    /**
     * The innermost cause in a failure's stack trace: what went wrong, not the reflection that
     * reported it (a constructor's exception arrives wrapped in an InvocationTargetException).
     */
    static String reason(String failure) {
        if (failure == null) {
            return "(no reason given)";
        }
        String reason = failure.lines().findFirst().orElse("");
        for (String line : (Iterable<String>) failure.lines()::iterator) {
            if (line.startsWith(CAUSED_BY)) {
                reason = line.substring(CAUSED_BY.length());
            }
        }
        return reason;
    }

    private static String stateName(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "installed";
            case Bundle.RESOLVED -> "resolved, not active";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            default -> "in state " + state;
        };
    }
}
