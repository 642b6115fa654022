package dev.outrigger.health;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What keeps the runtime from working as installed, one line each: a bundle that is not active, a
 * Declarative Services component that fails to activate or lacks a service it needs. A component
 * waiting for a configuration it requires is not a problem: it is how factory components wait.
 */
@ProviderType
public interface RuntimeHealth {

    /**
     * Every problem of every bundle, every value a configuration holds that its schema rejects
     * (or a required one it lacks), and what each {@link ProblemSource} reports: the runtime does
     * not work as configured. Empty when the runtime is healthy.
     */
    List<String> problems();

    /**
     * The problems of one bundle and its components, the same text for the same problem whatever
     * the bundle's version; empty for a bundle not installed.
     */
    List<String> problems(long bundleId);

    /**
     * Whether Declarative Services has taken up the bundle's components and made each that needs
     * no configuration, as it does moments after the bundle starts: until then, the bundle's
     * problems are not yet known. True for a bundle that is not active, has no components, or is
     * not installed.
     */
    boolean settled(long bundleId);
}
