package dev.outrigger.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Whether a bundle's Declarative Services components come up after an update as they were before:
 * a release that starts but whose component fails to activate, or lacks a service the old one
 * found, is as broken for its users as one that does not start. Up means active, or satisfied for
 * a delayed component (made on first use).
 */
final class ComponentHealth {

    /** How long a component that was up before may take to come up again (its references bind, its configuration arrives). */
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final long LOOK_AGAIN_MILLIS = 100;

    /** The framework's: this bundle's own context goes invalid when it updates itself. */
    private final BundleContext framework;

    ComponentHealth(BundleContext framework) {
        this.framework = framework;
    }

    /** The names of the bundle's components that are up now. */
    Set<String> up(Bundle bundle) {
        Set<String> up = new HashSet<>();
        withRuntime(scr -> {
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle)) {
                if (scr.getComponentConfigurationDTOs(d).stream().anyMatch(c -> isUp(d, c))) {
                    up.add(d.name);
                }
            }
        });
        return up;
    }

    /**
     * Waits, with a deadline, until every component in {@code wasUp} is up again.
     *
     * @return what is wrong, the moment a component fails to activate or when the deadline passes
     */
    Optional<String> problem(Bundle bundle, Set<String> wasUp) {
        long deadline = System.nanoTime() + GRACE.toNanos();
        while (true) {
            List<String> failed = new ArrayList<>();
            List<String> down = new ArrayList<>();
            withRuntime(scr -> {
                Collection<ComponentDescriptionDTO> descriptions = scr.getComponentDescriptionDTOs(bundle);
                if (descriptions.isEmpty() && bundle.getHeaders("").get(ComponentConstants.SERVICE_COMPONENT) != null) {
                    down.add("components are not taken up by Declarative Services");
                }
                for (ComponentDescriptionDTO d : descriptions) {
                    Collection<ComponentConfigurationDTO> configurations = scr.getComponentConfigurationDTOs(d);
                    for (ComponentConfigurationDTO c : configurations) {
                        if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                            failed.add("component " + d.name + " fails to activate: " + firstLine(c.failure));
                        }
                    }
                    if (wasUp.contains(d.name) && configurations.stream().noneMatch(c -> isUp(d, c))) {
                        down.add("component " + d.name + " " + why(d, configurations));
                    }
                }
            });
            if (!failed.isEmpty()) {
                return Optional.of(String.join("; ", failed));
            }
            if (down.isEmpty()) {
                return Optional.empty();
            }
            if (System.nanoTime() > deadline) {
                return Optional.of(String.join("; ", down) + " " + GRACE.toSeconds() + " s after the update");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(LOOK_AGAIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the gateway stops: the update stands
                return Optional.empty();
            }
        }
    }

    /** An immediate component is only up once active: Felix SCR leaves one that cannot be made satisfied. */
    private static boolean isUp(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        return c.state == ComponentConfigurationDTO.ACTIVE || c.state == ComponentConfigurationDTO.SATISFIED && !d.immediate;
    }

    private static String why(ComponentDescriptionDTO d, Collection<ComponentConfigurationDTO> configurations) {
        if (configurations.isEmpty()) {
            return "waits for a configuration";
        }
        if (d.immediate && configurations.stream().anyMatch(c -> c.state == ComponentConfigurationDTO.SATISFIED)) {
            return "does not activate (the log says why)";
        }
        List<String> missing = new ArrayList<>();
        for (ComponentConfigurationDTO c : configurations) {
            for (UnsatisfiedReferenceDTO r : c.unsatisfiedReferences) {
                String service = Arrays.stream(d.references).filter(ref -> ref.name.equals(r.name)).map(ref -> ref.interfaceName)
                        .findFirst().orElse("?");
                missing.add(r.name + " (" + service + (r.target == null ? "" : " " + r.target) + ")");
            }
        }
        return missing.isEmpty() ? "is not satisfied" : "lacks a service for its reference " + String.join(", ", missing);
    }

    private static String firstLine(String failure) {
        return failure == null ? "(no reason given)" : failure.lines().findFirst().orElse("");
    }

    /** Without Declarative Services there are no components to look at. */
    private void withRuntime(Consumer<ServiceComponentRuntime> use) {
        ServiceReference<ServiceComponentRuntime> ref = framework.getServiceReference(ServiceComponentRuntime.class);
        ServiceComponentRuntime scr = ref == null ? null : framework.getService(ref);
        if (scr == null) {
            return;
        }
        try {
            use.accept(scr);
        } finally {
            framework.ungetService(ref);
        }
    }
}
