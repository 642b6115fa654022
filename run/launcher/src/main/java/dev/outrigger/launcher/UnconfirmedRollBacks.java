package dev.outrigger.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

import dev.outrigger.framework.files.DurableFile;
import dev.outrigger.framework.refresh.Refresh;
import dev.outrigger.framework.threads.Daemons;
import dev.outrigger.framework.updates.UnconfirmedUpdates;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Outcome;
import dev.outrigger.framework.updates.UnconfirmedUpdates.Update;

/**
 * Rolls back a remote update of a bundle remote requests travel through when the gateway has not
 * heard itself through the broker by its deadline: a release that comes up but cannot reach the
 * broker, or no longer answers, would otherwise cut the gateway off for good. Runs outside the
 * framework, so no bundle update can take it away.
 */
final class UnconfirmedRollBacks {

    /** An update whose deadline passed while the gateway was down gets this long after the start to be confirmed. */
    private static final Duration AFTER_START = Duration.ofSeconds(60);

    private final UnconfirmedUpdates updates;
    private final BundleContext framework;
    private final Instant started = Instant.now();
    private String lastProblem;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Daemons.named("outrigger-unconfirmed-updates"));

    UnconfirmedRollBacks(Path folder, BundleContext framework) {
        this.updates = new UnconfirmedUpdates(folder);
        this.framework = framework;
    }

    void start() {
        updates.reopenClaims();
        timer.scheduleWithFixedDelay(() -> {
            try {
                check();
                lastProblem = null;
            } catch (IllegalStateException stopped) {
                // the framework's context is gone: the process is ending
            } catch (RuntimeException e) {
                // an exception would end the schedule: said once, tried again each second
                if (!e.toString().equals(lastProblem)) {
                    System.err.println("outrigger: cannot check the updates waiting for confirmation: " + e);
                    lastProblem = e.toString();
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private void check() {
        if (framework.getBundle(0).getState() != Bundle.ACTIVE) {
            return; // starting or stopping: a bundle updated now would not come up
        }
        Instant now = Instant.now();
        for (Update update : updates.waiting()) {
            Instant deadline = update.deadline().isBefore(started) ? started.plus(AFTER_START) : update.deadline();
            if (!now.isAfter(deadline)) {
                continue;
            }
            Optional<Bundle> bundle = installed(update);
            if (bundle.isEmpty() || !bundle.get().getVersion().toString().equals(update.version())) {
                // uninstalled since, replaced since, or never updated (the process ended first)
                updates.end(update.symbolicName());
            } else {
                updates.claim(update).ifPresent(jar -> rollBack(bundle.get(), update, jar));
            }
        }
    }

    private void rollBack(Bundle bundle, Update update, Path jar) {
        String failure = update.symbolicName() + " " + update.version() + " was not confirmed by its deadline (this gateway "
                + "did not hear itself through the broker after the update)";
        Outcome outcome;
        try {
            put(bundle, update, jar);
            System.err.printf(Locale.ROOT, "outrigger: %s; rolled back to %s%n", failure, update.previousVersion());
            outcome = new Outcome(update.symbolicName(), update.version(), update.previousVersion(), "rolledBack", failure, "");
        } catch (IOException | BundleException | RuntimeException e) {
            System.err.printf(Locale.ROOT, "outrigger: %s; rolling back to %s failed: %s%n", failure, update.previousVersion(),
                    e.getMessage());
            outcome = new Outcome(update.symbolicName(), update.version(), update.previousVersion(), "rollBackFailed", failure,
                    String.valueOf(e.getMessage()));
        }
        try {
            updates.finish(outcome);
        } catch (IOException e) {
            System.err.printf(Locale.ROOT, "outrigger: cannot record that %s was rolled back (it will not be announced): %s%n",
                    update.symbolicName(), e.getMessage());
        }
    }

    private Optional<Bundle> installed(Update update) {
        return Arrays.stream(framework.getBundles()).filter(b -> b.getLocation().equals(update.location())).findFirst();
    }

    /** Through its file in deploy/ (FileInstall takes it from there), or through the framework. */
    private void put(Bundle bundle, Update update, Path jar) throws IOException, BundleException {
        if (update.deployFile().isPresent()) {
            DurableFile.replace(update.deployFile().get(), out -> Files.copy(jar, out));
            return;
        }
        try (InputStream in = Files.newInputStream(jar)) {
            bundle.update(in);
        }
        new Refresh(framework).replaced(List.of(bundle), Duration.ofSeconds(30));
        if (update.wasActive() && bundle.getState() != Bundle.ACTIVE) {
            bundle.start();
        }
    }
}
