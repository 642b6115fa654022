package dev.outrigger.framework.bundles;

import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.resource.Namespace;
import org.osgi.resource.Requirement;

/**
 * Why an installed bundle does not resolve, in the usual case: a requirement, enforced at resolve
 * time, that no installed bundle provides. Found without taking the resolver's lock, and without
 * resolving anything.
 */
public final class MissingRequirement {

    private MissingRequirement() {
    }

    /**
     * The first such requirement, as its namespace and filter; empty when the bundle is not (only)
     * installed, or nothing it requires is missing.
     */
    public static Optional<String> of(Bundle bundle, FrameworkWiring framework) {
        BundleRevision revision = bundle.adapt(BundleRevision.class);
        if (revision == null || bundle.getState() != Bundle.INSTALLED) {
            return Optional.empty();
        }
        for (Requirement r : revision.getRequirements(null)) {
            Map<String, String> directives = r.getDirectives();
            String resolution = directives.get(Namespace.REQUIREMENT_RESOLUTION_DIRECTIVE);
            boolean enforced = !Namespace.RESOLUTION_OPTIONAL.equals(resolution) && !PackageNamespace.RESOLUTION_DYNAMIC.equals(resolution)
                    && Namespace.EFFECTIVE_RESOLVE.equals(directives.getOrDefault(Namespace.REQUIREMENT_EFFECTIVE_DIRECTIVE,
                            Namespace.EFFECTIVE_RESOLVE));
            if (enforced && framework.findProviders(r).isEmpty()) {
                return Optional.of(r.getNamespace() + " " + directives.getOrDefault(Namespace.REQUIREMENT_FILTER_DIRECTIVE, ""));
            }
        }
        return Optional.empty();
    }
}
