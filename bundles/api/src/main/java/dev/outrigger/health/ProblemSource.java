package dev.outrigger.health;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What keeps the runtime from working as configured that no bundle's state or component shows:
 * features the configuration names and that are still being installed, or failed to be. Part of
 * {@link RuntimeHealth#problems()}, so the readiness probe, the node's conditions and the status
 * on MQTT say it too. Asked at every probe: it answers from what it already knows, quickly.
 */
@ConsumerType
public interface ProblemSource {

    /** One line each, the same text for the same problem; empty when there is none. */
    List<String> problems();
}
