package dev.outrigger.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Reads and changes configurations by PID with the validation of their Metatype schema. A named
 * factory instance is addressed as {@code <factoryPid>~<name>} and created by its first
 * {@link #set}. Values of secret properties never leave this service.
 */
@ProviderType
public interface Settings {

    /** The schemas of every configurable PID and factory PID, sorted by PID. */
    List<Schema> schemas();

    /** The schema of a PID, a factory PID or a factory instance. */
    Optional<Schema> schema(String pid);

    /**
     * The current configuration of a PID, or of every instance of a factory PID.
     *
     * @throws SettingsException {@link SettingsException.Kind#NOT_FOUND} when there is neither a
     *                           schema nor a configuration
     */
    List<Snapshot> get(String pid) throws SettingsException;

    /** Validates, then applies all values or none; returns the configuration as it now is. */
    Snapshot set(Update update) throws SettingsException;

    /**
     * Validates as {@link #set} does, and applies nothing: the configuration as the update would
     * leave it, at the revision it was checked against.
     */
    Snapshot check(Update update) throws SettingsException;

    /** Deletes a factory instance (and its file in {@code etc/}). */
    void delete(String pid, String requester) throws SettingsException;

    /**
     * What the configurations hold that their schemas reject, one line each as logged, naming the
     * file (or PID), the key and why: a value that does not fit (its component runs on the default,
     * or, for a required one, not at all) or a required value missing; and what their owners'
     * {@link SettingsCheck}s refuse. Keys a schema does not know are not among them. Empty when
     * every configuration fits.
     */
    List<String> problems();

    /**
     * A change. Values are typed ({@code Number}, {@code Boolean}, {@code String}, lists for
     * multi-valued properties) or strings to be parsed as the schema says; {@code null} resets a
     * property to its default.
     *
     * @param replace   drop every property not named here, instead of merging
     * @param revision  the {@link Snapshot#revision()} the change was based on: refused if the
     *                  configuration changed meanwhile
     * @param requester who asked, for the log line
     */
    record Update(String pid, Map<String, Object> values, boolean replace, OptionalLong revision, String requester) {

        public Update {
            values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }
    }

    /**
     * One configuration as stored: explicitly set properties (typed as the schema says), and for
     * secret properties only whether they are set.
     */
    record Snapshot(String pid, Optional<String> factoryPid, long revision, Map<String, Object> properties,
            Map<String, Boolean> secrets) {
    }

    /** What a PID accepts, from its Metatype definition. */
    record Schema(String pid, boolean factory, String name, String description, List<Property> properties) {
    }

    /**
     * One property of a schema.
     *
     * @param type        {@code String}, {@code Integer}, {@code Long}, {@code Boolean},
     *                    {@code Double}, ... as Metatype names them ({@code Password} is a secret
     *                    string)
     * @param cardinality 0 for a single value, otherwise the maximum number of values
     *                    ({@link Integer#MAX_VALUE} for unbounded)
     * @param options     allowed values and their labels, empty when any value of the type fits
     * @param min         the least value of a number, the shortest length of a string
     * @param max         the greatest value of a number, the longest length of a string
     * @param required    true when there is no default, so a value must be given
     */
    record Property(String id, String name, String description, String type, int cardinality,
            List<String> defaults, Map<String, String> options, Optional<Number> min, Optional<Number> max,
            boolean required, boolean secret) {
    }
}
