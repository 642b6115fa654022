package dev.outrigger.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Figures of a bundle that no other service of the API carries (a bridge's clients and bytes, the
 * embedded broker's messages), for the runtime's {@code /metrics}. Asked at every scrape: it
 * answers from what it already counts, quickly and without blocking.
 */
@ConsumerType
public interface MetricSource {

    /**
     * Whole metric families in Prometheus' text format 0.0.4 (a HELP and a TYPE line each, then
     * its samples), under names of this source's own.
     */
    String metrics();
}
