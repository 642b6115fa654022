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

    /** Every problem of every bundle; empty when the runtime is healthy. */
    List<String> problems();

    /**
     * The problems of one bundle and its components, the same text for the same problem whatever
     * the bundle's version; empty for a bundle not installed.
     */
    List<String> problems(long bundleId);
}
