package dev.outrigger.remote;

import static dev.outrigger.remote.JarDownloads.delete;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;

import dev.outrigger.framework.threads.Daemons;

/**
 * Watches a bundle for a while after a remote update was accepted: a release can come up and go
 * wrong later (a component that fails on its first real work, a service it loses). Problems the
 * previous version did not have, lasting {@link UpdateHealth#GRACE}, put the previous jar back.
 * A newer request for the bundle, or the end of the watch, lets the kept jar go.
 */
final class Probation implements AutoCloseable {

    /** Puts the kept jar back; called with the lock held. */
    interface RollBack {
        void to(Path kept, String problems);
    }

    /** @param token tells this watch from a later one of the same bundle */
    private record Watch(ScheduledFuture<?> check, Path kept, Object token) {
    }

    private static final long CHECK_SECONDS = 1;

    private final Duration length;
    private final UpdateHealth health;
    /** The requests' lock: a roll back never runs in the middle of a request. */
    private final Object lock;
    private final ScheduledExecutorService timer;
    private final Map<Long, Watch> watches = new ConcurrentHashMap<>();

    Probation(Duration length, UpdateHealth health, Object lock) {
        this.length = length;
        this.health = health;
        this.lock = lock;
        this.timer = Executors.newSingleThreadScheduledExecutor(Daemons.named("outrigger-remote-probation"));
    }

    boolean enabled() {
        return !length.isZero();
    }

    Duration length() {
        return length;
    }

    /** From now on, for the probation's length; the kept jar is this watch's to delete. */
    void watch(Bundle bundle, Set<String> before, Path kept, RollBack rollBack) {
        long end = System.nanoTime() + length.toNanos();
        long[] failingSince = { -1 };
        long id = bundle.getBundleId();
        Object token = new Object();
        Runnable check = () -> {
            synchronized (lock) {
                Watch current = watches.get(id);
                if (current == null || current.token() != token) {
                    return; // ended while this check waited for the lock
                }
                List<String> added = bundle.getState() == Bundle.UNINSTALLED ? List.of() : health.added(bundle, before);
                long now = System.nanoTime();
                if (added.isEmpty()) {
                    failingSince[0] = -1;
                    if (now > end) {
                        end(bundle);
                    }
                    return;
                }
                if (failingSince[0] < 0) {
                    failingSince[0] = now;
                }
                if (now - failingSince[0] >= UpdateHealth.GRACE.toNanos()) {
                    watches.remove(id);
                    current.check().cancel(false);
                    try {
                        rollBack.to(kept, String.join("; ", added));
                    } finally {
                        delete(kept);
                    }
                }
            }
        };
        Watch previous = watches.put(id, new Watch(timer.scheduleWithFixedDelay(check, CHECK_SECONDS, CHECK_SECONDS,
                TimeUnit.SECONDS), kept, token));
        if (previous != null) {
            previous.check().cancel(false);
            delete(previous.kept());
        }
    }

    /** The bundle's watch, if any, ends: it passed, or a newer request takes over. */
    void end(Bundle bundle) {
        Watch watch = watches.remove(bundle.getBundleId());
        if (watch != null) {
            watch.check().cancel(false);
            delete(watch.kept());
        }
    }

    /** Every watch ends with the component: its updates stand. */
    @Override
    public void close() {
        timer.shutdownNow();
        watches.values().forEach(w -> delete(w.kept()));
        watches.clear();
    }
}
