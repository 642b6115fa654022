package dev.outrigger.remote;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import dev.outrigger.health.RuntimeHealth;

/**
 * Whether a bundle comes up after an update as it was before, as the runtime's health sees it: a
 * release that starts but whose component fails to activate, or lacks a service the old one found,
 * is as broken for its users as one that does not start. Problems the old version had already are
 * not the new one's fault.
 */
final class UpdateHealth {

    /** How long the new version's components may take to come up (their references bind, their configuration arrives). */
    static final Duration GRACE = Duration.ofSeconds(5);
    private static final long LOOK_AGAIN_MILLIS = 100;

    /** The framework's: this bundle's own context goes invalid when it updates itself. */
    private final BundleContext framework;

    UpdateHealth(BundleContext framework) {
        this.framework = framework;
    }

    /**
     * The bundle's problems before an update, once Declarative Services has settled on it (or the
     * grace ran out): taken while it is still settling — just after an earlier update, or a roll
     * back — they would hold passing problems ("not set up yet") that the new version's would
     * then match before its own real ones are known.
     */
    Set<String> problemsOnceSettled(Bundle bundle) {
        long deadline = System.nanoTime() + GRACE.toNanos();
        while (!ask(health -> health.settled(bundle.getBundleId()), true) && System.nanoTime() < deadline) {
            if (!pause()) {
                break;
            }
        }
        return problems(bundle);
    }

    /** The bundle's problems now; none when the runtime's health is not known. */
    private Set<String> problems(Bundle bundle) {
        return ask(health -> Set.copyOf(health.problems(bundle.getBundleId())), Set.of());
    }

    private <T> T ask(Function<RuntimeHealth, T> question, T unknown) {
        ServiceReference<RuntimeHealth> ref = framework.getServiceReference(RuntimeHealth.class);
        RuntimeHealth health = ref == null ? null : framework.getService(ref);
        if (health == null) {
            return unknown;
        }
        try {
            return question.apply(health);
        } finally {
            framework.ungetService(ref);
        }
    }

    /** False when interrupted: the gateway stops. */
    private static boolean pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(LOOK_AGAIN_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The bundle's problems now that it did not have before, sorted. */
    List<String> added(Bundle bundle, Set<String> before) {
        return problems(bundle).stream().filter(p -> !before.contains(p)).sorted().toList();
    }

    /**
     * Waits, with a deadline, until the bundle has no problem it did not have before.
     *
     * @return those it still has at the deadline, in one line
     */
    Optional<String> newProblems(Bundle bundle, Set<String> before) {
        long deadline = System.nanoTime() + GRACE.toNanos();
        while (true) {
            List<String> added = added(bundle, before);
            if (added.isEmpty()) {
                return Optional.empty();
            }
            if (System.nanoTime() > deadline) {
                return Optional.of(String.join("; ", added) + " " + GRACE.toSeconds() + " s after the update");
            }
            if (!pause()) {
                return Optional.empty(); // the gateway stops: the update stands
            }
        }
    }
}
