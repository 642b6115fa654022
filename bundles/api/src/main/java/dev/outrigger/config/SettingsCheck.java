package dev.outrigger.config;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a configuration's owner knows beyond its Metatype schema (a pattern that must compile, an
 * address list), registered as a service with {@link #PID} naming the PIDs or factory PIDs it checks.
 * {@link Settings#set} asks it before a change from the shell or a remote request is applied, and
 * refuses the change with its problems. A file in {@code etc/} cannot be refused: there the owner
 * says in its log what it cannot use, and {@link Settings#problems} (so the runtime's health) names
 * it while it stays so. Asked again for each version of a configuration: quick, and without side
 * effects.
 */
@ConsumerType
public interface SettingsCheck {

    /** Service property: the PID or factory PID checked (a String, or a String[] of several). */
    String PID = "settings.pid";

    /** What is wrong with the configuration as it would be after the change; empty when nothing is. */
    List<SettingsException.Problem> problems(Map<String, Object> properties);
}
